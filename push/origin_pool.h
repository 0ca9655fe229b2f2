// Connections to many HTTP origins (scheme, host, port), for providers whose
// URLs are not one fixed host: Web Push services and webhook receivers. An
// https origin is tried over HTTP/2 first (ALPN offers h2 and http/1.1) and
// kept there when it answers; one that picks HTTP/1.1, and a plain http
// origin, get up to `h1_connections` keep-alive connections instead. A
// request that met a keep-alive connection the server had closed while idle
// is sent again once, at once. Origins unused for five minutes have their
// connections closed and are forgotten.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "push/address_guard.h"
#include "push/h1_connection.h"
#include "push/http_message.h"

namespace xpush::push {

struct OriginPoolOptions {
  std::string ca_file;  // empty: the system trust store
  std::size_t h1_connections = 4;
  std::chrono::milliseconds timeout{10'000};
  // Whether `address`, which `host` resolved to, may be connected to
  // (empty: any). Refusals fail with kRefusedAddress.
  std::function<bool(const std::string& host, const boost::asio::ip::address& address)> may_connect;
};

class OriginPool {
 public:
  using Completion = H1Connection::Completion;
  OriginPool(boost::asio::any_io_executor executor, OriginPoolOptions options);
  ~OriginPool();
  OriginPool(const OriginPool&) = delete;
  OriginPool& operator=(const OriginPool&) = delete;

  // `request.path` is replaced by the URL's target. Completion runs on the loop.
  void request(const EndpointUrl& url, HttpRequest request, Completion done);

 private:
  struct Origin;
  struct Pending;
  void send(std::shared_ptr<Pending> p);
  void send_h1(Origin& origin, const EndpointUrl& url, HttpRequest request, Completion done);
  Origin& origin_of(const EndpointUrl& url);

  boost::asio::any_io_executor executor_;
  OriginPoolOptions options_;
  std::shared_ptr<boost::asio::ssl::context> h1_tls_;
  std::shared_ptr<boost::asio::ssl::context> h2_tls_;
  std::map<std::string, std::unique_ptr<Origin>> origins_;
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace xpush::push
