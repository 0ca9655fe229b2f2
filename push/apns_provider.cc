#include "push/apns_provider.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "push/provider_response.h"

namespace xpush::push {

namespace {
std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + what + " " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

ApnsProvider::ApnsProvider(boost::asio::any_io_executor executor, ApnsOptions options, Clock clock)
    : executor_(executor), options_(std::move(options)), clock_(std::move(clock)) {
  for (const auto& o : options_.apps) {
    auto app = std::make_unique<App>();
    app->options = o;
    app->endpoint = o.endpoint.value_or(options_.endpoint);
    if (!o.key_file.empty()) {
      auto cache = ApnsTokenCache::create(read_file(o.key_file, "APNs key"), o.key_id, o.team_id);
      if (!cache) throw std::runtime_error("app " + o.app.name + ": " + cache.error());
      app->tokens = std::move(*cache);
    } else {
      app->endpoint.client_cert_file = o.cert_file;
      app->endpoint.client_key_file = o.cert_key_file;
      app->endpoint.streams_before_first_success = 1000;  // the rule is for token auth
    }
    app->tls = make_h2_tls_context(app->endpoint);
    apps_.push_back(std::move(app));
  }
}

ApnsProvider::~ApnsProvider() {
  for (auto& app : apps_) {
    for (auto& c : app->pool) c->close();
  }
}

ApnsProvider::App* ApnsProvider::app_for(const Notification& n) {
  if (apps_.empty()) return nullptr;
  if (n.device.app.empty()) return apps_.front().get();
  for (auto& app : apps_) {
    if (app->options.app.name == n.device.app) return app.get();
  }
  return nullptr;
}

std::shared_ptr<H2Connection> ApnsProvider::connection(App& app) {
  auto& pool = app.pool;
  std::erase_if(pool, [](const auto& c) { return !c->accepting(); });
  if (pool.size() < std::max<std::size_t>(options_.connections, 1)) {
    pool.push_back(H2Connection::open(executor_, app.tls, app.endpoint));
    return pool.back();
  }
  return *std::min_element(pool.begin(), pool.end(),
                           [](const auto& a, const auto& b) { return a->load() < b->load(); });
}

void ApnsProvider::send(const Notification& n, Completion done) {
  App* app = n.device.platform == Platform::kApns ? app_for(n) : nullptr;
  if (!app) {
    done(PushResult{.outcome = Outcome::kRejected,
                    .reason = "no APNs app '" + n.device.app + "' configured"});
    return;
  }
  attempt(*app, n, std::move(done), {});
}

void ApnsProvider::attempt(App& app, const Notification& n, Completion done, Attempt tried) {
  std::string bearer;
  if (app.tokens) {
    auto token = app.tokens->token(clock_());
    if (!token) {
      done(PushResult{.outcome = Outcome::kRetry, .reason = "signing the APNs token: " + token.error()});
      return;
    }
    bearer = std::move(*token);
  }
  auto request = build_apns_request(n, app.options.app, bearer);
  if (!request) {
    done(PushResult{.outcome = Outcome::kRejected, .reason = request.error()});
    return;
  }
  connection(app)->request(
      std::move(*request),
      [this, &app, n, done = std::move(done), tried](tl::expected<HttpResponse, std::string> r) mutable {
        if (!r) {
          if (r.error().starts_with(kGoAway) && tried.goaway_resends < kMaxGoawayResends) {
            ++tried.goaway_resends;
            return attempt(app, n, std::move(done), tried);
          }
          return done(PushResult{.outcome = Outcome::kRetry, .reason = "APNs transport: " + r.error()});
        }
        PushResult result = interpret_apns_response(*r, clock_());
        if (result.outcome == Outcome::kRefreshAuth && !tried.fresh_token && app.tokens &&
            app.tokens->invalidate(clock_())) {
          tried.fresh_token = true;
          return attempt(app, n, std::move(done), tried);
        }
        if (result.outcome == Outcome::kRefreshAuth) result.outcome = Outcome::kRetry;
        done(std::move(result));
      });
}

}  // namespace xpush::push
