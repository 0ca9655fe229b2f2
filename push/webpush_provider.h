// Delivery to Web Push services (browsers' push services and UnifiedPush
// distributors). Each push service origin gets its own connections: an
// https origin is tried over HTTP/2 first (ALPN offers h2 and http/1.1) and
// kept there when it answers; one that picks HTTP/1.1 gets a few keep-alive
// connections instead, as does a plain http origin on the allow-list. Each
// request is encrypted for its subscription and signed with our VAPID key.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "push/address_guard.h"
#include "push/h1_connection.h"
#include "push/h2_connection.h"
#include "push/provider.h"
#include "push/vapid.h"
#include "push/webpush_request.h"

namespace xpush::push {

struct WebPushOptions {
  std::string vapid_key_file;  // P-256 private key, PEM
  std::string subject;         // mailto: or https:
  // Hosts exempt from the public-address rule (and allowed plain http).
  std::vector<std::string> allow_hosts;
  std::string ca_file;  // empty: the system trust store
  std::size_t connections_per_origin = 4;  // HTTP/1.1; HTTP/2 multiplexes on one
  std::chrono::milliseconds timeout{10'000};
};

class WebPushProvider final : public Provider {
 public:
  using Clock = std::function<TimePoint()>;
  // Throws std::runtime_error when the VAPID key cannot be loaded.
  WebPushProvider(boost::asio::any_io_executor executor, WebPushOptions options, Clock clock);
  ~WebPushProvider() override;

  void send(const Notification& notification, Completion done) override;

 private:
  struct Attempt;
  struct Origin;
  void attempt(std::shared_ptr<Attempt> a);
  void on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r);
  void send_h1(Origin& origin, const EndpointUrl& url, HttpRequest request, H1Connection::Completion done);
  void send_h2(Origin& origin, const EndpointUrl& url, HttpRequest request, H1Connection::Completion done);
  Origin& origin_of(const EndpointUrl& url);

  boost::asio::any_io_executor executor_;
  WebPushOptions options_;
  Clock clock_;
  EndpointPolicy policy_;
  Vapid vapid_;
  std::shared_ptr<boost::asio::ssl::context> h1_tls_;
  std::shared_ptr<boost::asio::ssl::context> h2_tls_;
  std::map<std::string, std::unique_ptr<Origin>> origins_;
  std::chrono::steady_clock::time_point last_sweep_{};
};

}  // namespace xpush::push
