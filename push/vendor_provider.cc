#include "push/vendor_provider.h"

#include <stdexcept>

#include "base/read_file.h"

namespace xpush::push {

struct VendorProvider::App {
  VendorApp app;
  AccessToken token;
  bool fetching = false;
  std::vector<TokenWaiter> waiters;
};

namespace {

EndpointUrl parsed(std::string_view vendor, std::string_view what, std::string_view url) {
  auto u = parse_endpoint_url(url);
  if (!u) throw std::runtime_error(std::string{vendor} + " " + std::string{what} + ": " + u.error());
  return *u;
}

// The URL with `path` after its own path.
EndpointUrl joined(EndpointUrl url, std::string_view path) {
  if (url.target.ends_with('/')) url.target.pop_back();
  url.target += path;
  return url;
}

}  // namespace

tl::expected<std::string, std::string> read_vendor_secret(const std::string& path) {
  std::string secret;
  try {
    secret = base::read_secret_file(path, "secret");
  } catch (const std::runtime_error& err) {
    return tl::unexpected(std::string{err.what()});
  }
  if (secret.empty()) return tl::unexpected(path + ": the secret file is empty");
  return secret;
}

VendorProvider::VendorProvider(boost::asio::any_io_executor executor, VendorOptions options, Clock clock)
    : api_(vendor_api(options.platform)),
      vendor_(to_string(options.platform)),
      clock_(std::move(clock)),
      api_url_(parsed(vendor_, "api_url",
                      options.api_url.empty() ? default_vendor_urls(options.platform).api : options.api_url)),
      pool_(std::move(executor), OriginPoolOptions{.ca_file = options.ca_file,
                                                   .h1_connections = options.connections,
                                                   .timeout = options.timeout}) {
  if (!api_) throw std::runtime_error(vendor_ + " is not a vendor push service");
  if (api_->uses_token()) {
    const std::string_view auth = options.auth_url.empty() ? default_vendor_urls(options.platform).auth
                                                           : std::string_view{options.auth_url};
    auth_url_ = parsed(vendor_, "auth_url", auth);
  }
  for (const auto& o : options.apps) {
    auto secret = read_vendor_secret(o.secret_file);
    if (!secret) throw std::runtime_error(vendor_ + " app " + o.name + ": " + secret.error());
    auto app = std::make_unique<App>();
    app->app = VendorApp{o.name, o.app_id, o.client_id, o.app_key, o.package, std::move(*secret), o.channel_id,
                         o.category};
    apps_.push_back(std::move(app));
  }
}

VendorProvider::~VendorProvider() = default;

VendorProvider::App* VendorProvider::app_for(const Notification& n) {
  if (apps_.empty()) return nullptr;
  if (n.device.app.empty()) return apps_.front().get();
  for (auto& app : apps_) {
    if (app->app.name == n.device.app) return app.get();
  }
  return nullptr;
}

void VendorProvider::with_token(App& app, TokenWaiter waiter) {
  if (!api_->uses_token()) return waiter(std::string{});
  if (app.token.usable_at(clock_())) return waiter(app.token.value);
  app.waiters.push_back(std::move(waiter));
  if (!app.fetching) fetch_token(app);
}

tl::expected<AccessToken, PushResult> VendorProvider::token_outcome(
    const tl::expected<HttpResponse, std::string>& r) const {
  if (!r) return tl::unexpected(PushResult{.outcome = Outcome::kRetry, .reason = vendor_ + " auth: " + r.error()});
  auto token = api_->read_token(*r, clock_());
  if (token) return *token;
  if (r->status == 429 || r->status >= 500) {
    return tl::unexpected(PushResult{.outcome = Outcome::kRetry, .status = r->status, .reason = token.error()});
  }
  // The vendor refused the app's credentials: nothing will change before
  // the operator does, so do not ask again at once.
  return tl::unexpected(PushResult{.outcome = Outcome::kRetry, .status = r->status,
                                   .reason = "configuration: " + token.error(), .retry_after = kVendorConfigPause});
}

void VendorProvider::fetch_token(App& app) {
  app.fetching = true;
  HttpRequest request = api_->token_request(app.app, clock_());
  pool_.request(auth_url_, std::move(request), [this, &app](tl::expected<HttpResponse, std::string> r) {
    const auto outcome = token_outcome(r);
    if (outcome) app.token = *outcome;
    app.fetching = false;
    for (auto& w : std::exchange(app.waiters, {})) w(outcome ? tl::expected<std::string, PushResult>{outcome->value}
                                                             : tl::unexpected(outcome.error()));
  });
}

void VendorProvider::check_credentials(std::function<void(const std::string&, const std::string&)> done) {
  for (auto& app : apps_) {
    app->token = {};
    with_token(*app, [name = app->app.name, done](tl::expected<std::string, PushResult> token) {
      done(name, token ? std::string{} : token.error().reason);
    });
  }
}

void VendorProvider::send(const Notification& n, Completion done) {
  App* app = n.device.platform == api_->platform() ? app_for(n) : nullptr;
  if (!app) {
    return done(PushResult{.outcome = Outcome::kRejected,
                           .reason = "no " + vendor_ + " app '" + n.device.app + "' configured"});
  }
  attempt(*app, n, std::move(done), false);
}

void VendorProvider::attempt(App& app, const Notification& n, Completion done, bool fresh_token) {
  with_token(app, [this, &app, n, done = std::move(done), fresh_token](
                      tl::expected<std::string, PushResult> token) mutable {
    if (!token) return done(std::move(token.error()));
    auto request = api_->send_request(n, app.app, *token, clock_());
    if (!request) return done(PushResult{.outcome = Outcome::kRejected, .reason = vendor_ + ": " + request.error()});
    const EndpointUrl url = joined(api_url_, request->path);
    pool_.request(url, std::move(*request),
                  [this, &app, n, done = std::move(done), fresh_token](tl::expected<HttpResponse, std::string> r) mutable {
                    if (!r) return done(PushResult{.outcome = Outcome::kRetry, .reason = vendor_ + ": " + r.error()});
                    PushResult result = api_->read_answer(*r, n, clock_());
                    if (result.outcome == Outcome::kRefreshAuth && !fresh_token) {
                      app.token = {};  // refused: fetch another, send once more
                      return attempt(app, n, std::move(done), true);
                    }
                    if (result.outcome == Outcome::kRefreshAuth) result.outcome = Outcome::kRetry;
                    done(std::move(result));
                  });
  });
}

}  // namespace xpush::push
