// One HTTP/1.1 keep-alive connection (plain or TLS) on the Asio loop, built
// on Boost.Beast: requests queue and go one at a time. Before connecting,
// every address the host resolves to passes the endpoint's address filter,
// so a client-chosen URL cannot lead into the operator's network.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/address.hpp>
#include <tl/expected.hpp>

#include "push/http_message.h"

namespace boost::asio::ssl {
class context;
}

namespace xpush::push {

struct H1Endpoint {
  std::string host;
  std::uint16_t port = 443;
  bool tls = true;
  // Connecting, and each request's answer, may take this long.
  std::chrono::milliseconds timeout{10'000};
  // A connection idle this long is closed (servers close theirs too).
  std::chrono::milliseconds idle_close{30'000};
  // Whether an address the host resolved to may be connected to.
  std::function<bool(const boost::asio::ip::address&)> may_connect;
};

// Errors of a request that failed on a reused connection before any answer:
// the server had closed it while idle, so it can be sent again at once.
inline constexpr std::string_view kStaleConnection = "stale connection";

// `ca_file` empty: the system trust store.
std::shared_ptr<boost::asio::ssl::context> make_h1_tls_context(const std::string& ca_file);

class H1Connection : public std::enable_shared_from_this<H1Connection> {
 public:
  using Completion = std::function<void(tl::expected<HttpResponse, std::string>)>;

  // `tls` is used when the endpoint is https.
  static std::shared_ptr<H1Connection> open(boost::asio::any_io_executor executor,
                                            std::shared_ptr<boost::asio::ssl::context> tls,
                                            H1Endpoint endpoint);
  ~H1Connection();

  // `request.path` is the target; Host and Content-Length are added.
  // Completion runs on the loop, exactly once.
  void request(HttpRequest request, Completion done);
  bool accepting() const;
  std::size_t load() const;  // queued + in flight
  void close();

  struct Impl;

 private:
  explicit H1Connection(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace xpush::push
