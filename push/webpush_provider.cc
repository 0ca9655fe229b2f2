#include "push/webpush_provider.h"

#include <stdexcept>

#include "base/read_file.h"

namespace xpush::push {

namespace {
Vapid load_vapid(const WebPushOptions& o) {
  auto vapid = Vapid::create(base::read_file(o.vapid_key_file, "VAPID key"), o.subject);
  if (!vapid) throw std::runtime_error(o.vapid_key_file + ": " + vapid.error());
  return std::move(*vapid);
}

OriginPoolOptions pool_options(const WebPushOptions& o, const EndpointPolicy& policy) {
  return {.ca_file = o.ca_file,
          .h1_connections = o.connections_per_origin,
          .timeout = o.timeout,
          .may_connect = [policy](const std::string& host, const boost::asio::ip::address& a) {
            return policy.may_connect(host, a);
          }};
}
}  // namespace

struct WebPushProvider::Attempt {
  Notification notification;
  WebPushTarget target;
  Completion done;
  bool compact = false;  // sent again once without padding after 413
};

WebPushProvider::WebPushProvider(boost::asio::any_io_executor executor, WebPushOptions options, Clock clock)
    : clock_(std::move(clock)),
      policy_(options.allow_hosts),
      vapid_(load_vapid(options)),
      pool_(std::move(executor), pool_options(options, policy_)) {}

WebPushProvider::~WebPushProvider() = default;

void WebPushProvider::send(const Notification& n, Completion done) {
  const auto rejected = [&done](std::string why) {
    done(PushResult{.outcome = Outcome::kTokenInvalid, .reason = std::move(why)});
  };
  auto subscription = parse_subscription_token(n.device.token);
  if (!subscription) return rejected(subscription.error());
  auto url = policy_.check(subscription->endpoint);
  if (!url) return rejected(url.error());
  auto keys = subscription_keys(subscription->p256dh, subscription->auth);
  if (!keys) return rejected(keys.error());
  auto a = std::make_shared<Attempt>(Attempt{n, WebPushTarget{std::move(*url), std::move(*keys)}, std::move(done)});
  attempt(std::move(a));
}

void WebPushProvider::attempt(std::shared_ptr<Attempt> a) {
  const auto now = clock_();
  auto authorization = vapid_.authorization(a->target.url.origin, now);
  if (!authorization) return a->done(PushResult{.outcome = Outcome::kRejected, .reason = authorization.error()});
  const EceOptions ece{.pad_to_bucket = !a->compact};
  auto request = build_webpush_request(a->notification, a->target, *authorization, now, ece);
  if (!request) return a->done(PushResult{.outcome = Outcome::kRejected, .reason = request.error()});
  const EndpointUrl url = a->target.url;
  pool_.request(url, std::move(*request), [this, a](tl::expected<HttpResponse, std::string> r) mutable {
    on_answer(std::move(a), std::move(r));
  });
}

void WebPushProvider::on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r) {
  if (!r) {
    // The guard refused every address the name resolved to: this endpoint
    // can never be used, so the device goes as if the service had said 410.
    const bool refused = r.error().starts_with(kRefusedAddress);
    return a->done(PushResult{.outcome = refused ? Outcome::kTokenInvalid : Outcome::kRetry,
                              .reason = "Web Push: " + r.error()});
  }
  PushResult result = interpret_webpush_response(*r, clock_());
  if (r->status == 413 && !a->compact) {
    a->compact = true;
    return attempt(std::move(a));
  }
  a->done(std::move(result));
}

}  // namespace xpush::push
