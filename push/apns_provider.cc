#include "push/apns_provider.h"

#include <map>
#include <stdexcept>

#include "base/read_file.h"
#include "push/provider_response.h"

namespace xpush::push {


ApnsProvider::ApnsProvider(boost::asio::any_io_executor executor, ApnsOptions options, Clock clock)
    : executor_(executor), options_(std::move(options)), clock_(std::move(clock)) {
  // Apple wants one provider token per key, however many topics use it.
  std::map<std::string, std::shared_ptr<ApnsTokenCache>> caches;
  for (const auto& o : options_.apps) {
    auto app = std::make_unique<App>();
    app->options = o;
    H2Endpoint endpoint = o.endpoint.value_or(options_.endpoint);
    if (!o.key_file.empty()) {
      auto& shared = caches[o.key_file + '\n' + o.key_id + '\n' + o.team_id];
      if (!shared) {
        auto cache = ApnsTokenCache::create(base::read_file(o.key_file, "APNs key"), o.key_id, o.team_id);
        if (!cache) throw std::runtime_error("app " + o.app.name + ": " + cache.error());
        shared = std::make_shared<ApnsTokenCache>(std::move(*cache));
      }
      app->tokens = shared;
    } else {
      endpoint.client_cert_file = o.cert_file;
      endpoint.client_key_file = o.cert_key_file;
      endpoint.client_cert_password = o.cert_password;
      endpoint.streams_before_first_success = 1000;  // the rule is for token auth
    }
    app->pool = std::make_unique<H2Pool>(executor_, std::move(endpoint), options_.connections);
    apps_.push_back(std::move(app));
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
  app.pool->pick()->request(
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
