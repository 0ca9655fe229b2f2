// One HTTP/2 connection over TLS on the Asio loop, carrying requests as
// streams up to the server's limit. After GOAWAY, a transport error or a
// server silent past the deadline it takes no more requests; the pool that
// owns it opens another.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <tl/expected.hpp>

#include "push/address_guard.h"
#include "push/h2_session.h"
#include "push/http_message.h"

namespace boost::asio::ssl {
class context;
}

namespace xpush::push {

struct H2Endpoint {
  std::string host;
  std::uint16_t port = 443;
  std::string ca_file;           // empty: the system trust store
  bool verify = true;
  std::string client_cert_file;  // certificate auth: PEM (with the key, or key_file) or .p12/.pfx
  std::string client_key_file;
  std::string client_cert_password;  // for a .p12
  // APNs with token auth allows one stream until a request was authorised.
  std::uint32_t streams_before_first_success = 1;
  std::uint32_t max_streams = 1000;  // our own cap, below the server's
  // How long connecting (TCP and TLS) and each request's answer may take. A
  // request past it fails (its stream is cancelled); if the server sent
  // nothing at all since that request went out, the connection is dropped
  // and its other requests fail too, so the pool opens a fresh one.
  std::chrono::milliseconds timeout{10'000};
  // A connection with nothing in flight and no traffic this long is checked
  // with an HTTP/2 PING; unanswered within `timeout`, it is dropped before a
  // notification has to find out. Zero: never.
  std::chrono::milliseconds idle_ping{60'000};
  // ALPN: also offer http/1.1, for servers that may speak either (the
  // connection still fails, with kNoHttp2, if the server picks it).
  bool offer_http1 = false;
  // Whether an address the host resolved to may be connected to (empty: any).
  std::function<bool(const boost::asio::ip::address&)> may_connect;
};

// Errors of requests the server never processed because it sent GOAWAY
// start with this: they can be sent again at once on another connection.
inline constexpr std::string_view kGoAway = "GOAWAY";
// Errors of requests on a connection whose server chose HTTP/1.1 over h2.
inline constexpr std::string_view kNoHttp2 = "no HTTP/2";

// Throws std::runtime_error naming the file it could not load.
std::shared_ptr<boost::asio::ssl::context> make_h2_tls_context(const H2Endpoint& endpoint);

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  using Completion = std::function<void(tl::expected<HttpResponse, std::string>)>;

  static std::shared_ptr<H2Connection> open(boost::asio::any_io_executor executor,
                                            std::shared_ptr<boost::asio::ssl::context> tls,
                                            H2Endpoint endpoint);
  ~H2Connection();

  // Completion runs on the loop, exactly once.
  void request(HttpRequest request, Completion done);
  bool accepting() const;
  std::size_t load() const;  // queued + in flight
  void close();

  struct Impl;

 private:
  explicit H2Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xpush::push
