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

// Origins unused this long have their connections closed and are forgotten
// (every UnifiedPush distributor is an origin of its own).
constexpr std::chrono::minutes kOriginIdle{5};
constexpr std::chrono::minutes kSweepEvery{1};

H2Endpoint h2_endpoint(const EndpointUrl& url, const WebPushOptions& o, const EndpointPolicy& policy) {
  H2Endpoint e;
  e.host = url.host;
  e.port = url.port;
  e.ca_file = o.ca_file;
  e.streams_before_first_success = 100;
  e.max_streams = 100;
  e.timeout = o.timeout;
  e.offer_http1 = true;
  e.may_connect = [policy, host = url.host](const boost::asio::ip::address& a) { return policy.may_connect(host, a); };
  return e;
}
}  // namespace

struct WebPushProvider::Attempt {
  Notification notification;
  WebPushTarget target;
  Completion done;
  bool resent_stale = false;  // sent again once after a connection the server had closed
  bool compact = false;       // sent again once without padding after 413
};

struct WebPushProvider::Origin {
  enum class Protocol { kUnknown, kHttp2, kHttp1 };
  Protocol protocol = Protocol::kUnknown;
  std::shared_ptr<H2Connection> h2;
  std::vector<std::shared_ptr<H1Connection>> h1;
  std::chrono::steady_clock::time_point used{};

  void close() {
    if (h2) h2->close();
    for (auto& c : h1) c->close();
  }
};

WebPushProvider::WebPushProvider(boost::asio::any_io_executor executor, WebPushOptions options, Clock clock)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      clock_(std::move(clock)),
      policy_(options_.allow_hosts),
      vapid_(load_vapid(options_)),
      h1_tls_(make_h1_tls_context(options_.ca_file)),
      h2_tls_(make_h2_tls_context(H2Endpoint{.ca_file = options_.ca_file, .offer_http1 = true})) {}

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
  const EndpointUrl& url = a->target.url;
  Origin& origin = origin_of(url);
  auto done = [this, a](tl::expected<HttpResponse, std::string> r) mutable { on_answer(std::move(a), std::move(r)); };
  if (!url.tls || origin.protocol == Origin::Protocol::kHttp1) {
    return send_h1(origin, url, std::move(*request), std::move(done));
  }
  send_h2(origin, url, std::move(*request), std::move(done));
}

void WebPushProvider::on_answer(std::shared_ptr<Attempt> a, tl::expected<HttpResponse, std::string> r) {
  if (!r) {
    if (r.error().starts_with(kNoHttp2)) {
      // The service picked HTTP/1.1: so be it for this origin, from now on.
      origin_of(a->target.url).protocol = Origin::Protocol::kHttp1;
      return attempt(std::move(a));
    }
    if (r.error().starts_with(kStaleConnection) && !a->resent_stale) {
      a->resent_stale = true;
      return attempt(std::move(a));
    }
    // The guard refused every address the name resolved to: this endpoint
    // can never be used, so the device goes as if the service had said 410.
    const bool refused = r.error().starts_with(kRefusedAddress);
    return a->done(PushResult{.outcome = refused ? Outcome::kTokenInvalid : Outcome::kRetry,
                              .reason = "Web Push: " + r.error()});
  }
  if (a->target.url.tls && origin_of(a->target.url).protocol == Origin::Protocol::kUnknown) {
    origin_of(a->target.url).protocol = Origin::Protocol::kHttp2;  // only HTTP/2 answers before the choice
  }
  PushResult result = interpret_webpush_response(*r, clock_());
  if (r->status == 413 && !a->compact) {
    a->compact = true;
    return attempt(std::move(a));
  }
  a->done(std::move(result));
}

void WebPushProvider::send_h2(Origin& origin, const EndpointUrl& url, HttpRequest request,
                              H1Connection::Completion done) {
  if (!origin.h2 || !origin.h2->accepting()) {
    origin.h2 = H2Connection::open(executor_, h2_tls_, h2_endpoint(url, options_, policy_));
  }
  origin.h2->request(std::move(request), std::move(done));
}

void WebPushProvider::send_h1(Origin& origin, const EndpointUrl& url, HttpRequest request,
                              H1Connection::Completion done) {
  auto& connections = origin.h1;
  std::erase_if(connections, [](const auto& c) { return !c->accepting(); });
  const auto least = std::min_element(connections.begin(), connections.end(),
                                      [](const auto& x, const auto& y) { return x->load() < y->load(); });
  if (least != connections.end() && ((*least)->load() == 0 || connections.size() >= options_.connections_per_origin)) {
    return (*least)->request(std::move(request), std::move(done));
  }
  H1Endpoint endpoint{.host = url.host, .port = url.port, .tls = url.tls, .timeout = options_.timeout};
  endpoint.may_connect = [policy = policy_, host = url.host](const boost::asio::ip::address& address) {
    return policy.may_connect(host, address);
  };
  connections.push_back(H1Connection::open(executor_, h1_tls_, std::move(endpoint)));
  connections.back()->request(std::move(request), std::move(done));
}

WebPushProvider::Origin& WebPushProvider::origin_of(const EndpointUrl& url) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_sweep_ >= kSweepEvery) {
    last_sweep_ = now;
    std::erase_if(origins_, [now](auto& entry) {
      auto& o = *entry.second;
      const bool busy = (o.h2 && o.h2->load() > 0) ||
                        std::any_of(o.h1.begin(), o.h1.end(), [](const auto& c) { return c->load() > 0; });
      if (busy || now - o.used < kOriginIdle) return false;
      o.close();
      return true;
    });
  }
  auto& slot = origins_[url.origin];
  if (!slot) slot = std::make_unique<Origin>();
  slot->used = now;
  return *slot;
}

}  // namespace xpush::push
