#include "push/webpush_provider.h"

#include <algorithm>
#include <stdexcept>

#include "base/read_file.h"

namespace xpush::push {

namespace {
Vapid load_vapid(const WebPushOptions& o) {
  auto vapid = Vapid::create(base::read_file(o.vapid_key_file, "VAPID key"), o.subject);
  if (!vapid) throw std::runtime_error(o.vapid_key_file + ": " + vapid.error());
  return std::move(*vapid);
}

// Past this many origins, those without a live connection are forgotten.
constexpr std::size_t kSweepOrigins = 256;
}  // namespace

struct WebPushProvider::Attempt {
  Notification notification;
  WebPushTarget target;
  Completion done;
  bool resent_stale = false;  // sent again once after a connection the server had closed
  bool compact = false;       // sent again once without padding after 413
};

WebPushProvider::WebPushProvider(boost::asio::any_io_executor executor, WebPushOptions options, Clock clock)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      policy_(options_.allow_hosts),
      vapid_(load_vapid(options_)),
      tls_(make_h1_tls_context(options_.ca_file)) {}

WebPushProvider::~WebPushProvider() = default;

void WebPushProvider::send(const Notification& n, Completion done) {
  const auto rejected = [&done](Outcome outcome, std::string why) {
    done(PushResult{.outcome = outcome, .reason = std::move(why)});
  };
  auto subscription = parse_subscription_token(n.device.token);
  if (!subscription) return rejected(Outcome::kTokenInvalid, subscription.error());
  auto url = policy_.check(subscription->endpoint);
  if (!url) return rejected(Outcome::kTokenInvalid, url.error());
  auto keys = subscription_keys(subscription->p256dh, subscription->auth);
  if (!keys) return rejected(Outcome::kTokenInvalid, keys.error());
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
  auto conn = connection_for(a->target.url);
  conn->request(std::move(*request), [this, a](tl::expected<HttpResponse, std::string> r) mutable {
    on_answer(std::move(a), std::move(r));
  });
}

void WebPushProvider::on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r) {
  if (!r) {
    if (r.error().starts_with(kStaleConnection) && !a->resent_stale) {
      a->resent_stale = true;
      return attempt(std::move(a));
    }
    // The guard refused every address the name resolved to: this endpoint
    // can never be used, so the device goes as if the service had said 410.
    const bool refused = r.error().starts_with("refused:");
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

std::shared_ptr<H1Connection> WebPushProvider::connection_for(const EndpointUrl& url) {
  if (origins_.size() > kSweepOrigins) {
    std::erase_if(origins_, [](const auto& entry) {
      return std::none_of(entry.second.begin(), entry.second.end(), [](const auto& c) { return c->accepting(); });
    });
  }
  auto& connections = origins_[url.origin];
  std::erase_if(connections, [](const auto& c) { return !c->accepting(); });
  const auto least = std::min_element(connections.begin(), connections.end(),
                                      [](const auto& x, const auto& y) { return x->load() < y->load(); });
  if (least != connections.end() && ((*least)->load() == 0 || connections.size() >= options_.connections_per_origin)) {
    return *least;
  }
  H1Endpoint endpoint{.host = url.host, .port = url.port, .tls = url.tls, .timeout = options_.timeout};
  endpoint.may_connect = [policy = policy_, host = url.host](const boost::asio::ip::address& address) {
    return policy.may_connect(host, address);
  };
  connections.push_back(H1Connection::open(executor_, tls_, std::move(endpoint)));
  return connections.back();
}

}  // namespace xpush::push
