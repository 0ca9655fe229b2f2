// Delivery to Web Push services (browsers' push services and UnifiedPush
// distributors): each notification encrypted for its subscription, signed
// with our VAPID key, and sent through an OriginPool whose connections only
// reach addresses the endpoint policy allows.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "push/address_guard.h"
#include "push/origin_pool.h"
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
  void attempt(std::shared_ptr<Attempt> a);
  void on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r);

  Clock clock_;
  EndpointPolicy policy_;
  Vapid vapid_;
  OriginPool pool_;
};

}  // namespace xpush::push
