#include "push/fcm_provider.h"

#include <charconv>
#include <stdexcept>

#include "base/read_file.h"
#include "push/provider_response.h"

namespace xpush::push {

struct FcmProvider::App {
  FcmApp app;
  ServiceAccount account;
  std::optional<SigningKey> key;
  H2Endpoint token_endpoint;
  std::string token_path;
  std::shared_ptr<boost::asio::ssl::context> token_tls;
  AccessToken token;
  bool fetching = false;
  std::vector<TokenWaiter> waiters;
};

std::optional<HttpsUrl> parse_https_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  const auto authority = url.substr(0, slash);
  HttpsUrl out;
  out.path = slash == std::string_view::npos ? "/" : std::string{url.substr(slash)};
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    out.host = std::string{authority};
  } else {
    out.host = std::string{authority.substr(0, colon)};
    const auto port = authority.substr(colon + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (out.host.empty()) return std::nullopt;
  return out;
}


FcmProvider::FcmProvider(boost::asio::any_io_executor executor, FcmOptions options, Clock clock)
    : executor_(executor),
      options_(std::move(options)),
      clock_(std::move(clock)),
      pool_(executor, options_.endpoint, options_.connections) {
  for (const auto& o : options_.apps) {
    auto app = std::make_unique<App>();
    auto account = ServiceAccount::parse(base::read_file(o.service_account_file, "service account"));
    if (!account) throw std::runtime_error("FCM app " + o.name + ": " + account.error());
    auto key = SigningKey::from_pem(account->private_key_pem);
    if (!key || key->algorithm() != SigningKey::Algorithm::kRs256) {
      throw std::runtime_error("FCM app " + o.name + ": the service account's key is not an RSA key");
    }
    const std::string url = options_.token_url.empty() ? account->token_uri : options_.token_url;
    const auto token_url = parse_https_url(url);
    if (!token_url) throw std::runtime_error("FCM app " + o.name + ": token URL is not https: " + url);
    app->app = FcmApp{o.name, account->project_id, o.android_channel_id, options_.validate_only};
    app->account = std::move(*account);
    app->key = std::move(*key);
    app->token_endpoint = options_.endpoint;
    app->token_endpoint.host = token_url->host;
    app->token_endpoint.port = token_url->port;
    app->token_endpoint.streams_before_first_success = 1000;
    app->token_path = token_url->path;
    app->token_tls = make_h2_tls_context(app->token_endpoint);
    apps_.push_back(std::move(app));
  }
}

FcmProvider::~FcmProvider() = default;

FcmProvider::App* FcmProvider::app_for(const Notification& n) {
  if (apps_.empty()) return nullptr;
  if (n.device.app.empty()) return apps_.front().get();
  for (auto& app : apps_) {
    if (app->app.name == n.device.app) return app.get();
  }
  return nullptr;
}

void FcmProvider::with_token(App& app, TokenWaiter waiter) {
  if (app.token.usable_at(clock_())) return waiter(app.token.value);
  app.waiters.push_back(std::move(waiter));
  if (!app.fetching) fetch_token(app);
}

void FcmProvider::fetch_token(App& app) {
  app.fetching = true;
  auto finish = [&app](tl::expected<std::string, std::string> outcome) {
    app.fetching = false;
    for (auto& w : std::exchange(app.waiters, {})) w(outcome);
  };
  auto assertion = google_assertion(app.account, *app.key, clock_());
  if (!assertion) return finish(tl::unexpected("OAuth2 assertion: " + assertion.error()));
  HttpRequest request;
  request.path = app.token_path;
  request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  request.body = oauth2_token_request_body(*assertion);
  auto conn = H2Connection::open(executor_, app.token_tls, app.token_endpoint);
  conn->request(std::move(request), [this, &app, conn, finish](tl::expected<HttpResponse, std::string> r) {
    conn->close();
    if (!r) return finish(tl::unexpected("OAuth2 token endpoint: " + r.error()));
    auto token = parse_oauth2_response(r->status, r->body, clock_());
    if (!token) return finish(tl::unexpected(token.error()));
    app.token = std::move(*token);
    finish(app.token.value);
  });
}

void FcmProvider::send(const Notification& n, Completion done) {
  App* app = n.device.platform == Platform::kFcm ? app_for(n) : nullptr;
  if (!app) {
    done(PushResult{.outcome = Outcome::kRejected,
                    .reason = "no FCM app '" + n.device.app + "' configured"});
    return;
  }
  attempt(*app, n, std::move(done), false);
}

void FcmProvider::attempt(App& app, const Notification& n, Completion done, bool fresh_token) {
  with_token(app, [this, &app, n, done = std::move(done), fresh_token](
                      tl::expected<std::string, std::string> token) mutable {
    if (!token) return done(PushResult{.outcome = Outcome::kRetry, .reason = token.error()});
    auto request = build_fcm_request(n, app.app, *token, clock_());
    if (!request) return done(PushResult{.outcome = Outcome::kRejected, .reason = request.error()});
    pool_.pick()->request(
        std::move(*request),
        [this, &app, n, done = std::move(done), fresh_token](tl::expected<HttpResponse, std::string> r) mutable {
          if (!r) return done(PushResult{.outcome = Outcome::kRetry, .reason = "FCM transport: " + r.error()});
          PushResult result = interpret_fcm_response(*r, clock_());
          if (result.outcome == Outcome::kRefreshAuth && !fresh_token) {
            app.token = {};  // the access token was refused: fetch another
            return attempt(app, n, std::move(done), true);
          }
          if (result.outcome == Outcome::kRefreshAuth) result.outcome = Outcome::kRetry;
          done(std::move(result));
        });
  });
}

}  // namespace xpush::push
