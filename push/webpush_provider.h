// Delivery to Web Push services (browsers' push services and UnifiedPush
// distributors) over HTTP/1.1 keep-alive: a few connections per push
// service origin, opened on demand and closed when idle, each request
// encrypted for its subscription and signed with our VAPID key.
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
  std::size_t connections_per_origin = 4;
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
  void attempt(std::shared_ptr<Attempt> a);
  void on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r);
  std::shared_ptr<H1Connection> connection_for(const EndpointUrl& url);

  boost::asio::any_io_executor executor_;
  WebPushOptions options_;
  Clock clock_;
  EndpointPolicy policy_;
  Vapid vapid_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::map<std::string, std::vector<std::shared_ptr<H1Connection>>> origins_;
};

}  // namespace xpush::push
