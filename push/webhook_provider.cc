#include "push/webhook_provider.h"

#include <stdexcept>

#include "base/read_file.h"
#include "push/webhook_request.h"

namespace xpush::push {

namespace {
EndpointUrl parsed(const std::string& url) {
  auto u = parse_endpoint_url(url);
  if (!u) throw std::runtime_error("push.webhook.url: " + u.error());
  return *u;
}

std::string secret_or_throw(const std::string& path) {
  auto s = read_webhook_secret(path);
  if (!s) throw std::runtime_error(s.error());
  return *s;
}
}  // namespace

tl::expected<std::string, std::string> read_webhook_secret(const std::string& path) {
  std::string secret;
  try {
    secret = base::read_secret_file(path, "webhook secret");
  } catch (const std::runtime_error& err) {
    return tl::unexpected(std::string{err.what()});
  }
  if (secret.size() < kMinWebhookSecret) {
    return tl::unexpected(path + ": the webhook secret is " + std::to_string(secret.size()) +
                          " bytes; use " + std::to_string(kMinWebhookSecret) +
                          " or more random ones (openssl rand -hex 32)");
  }
  return secret;
}

WebhookProvider::WebhookProvider(boost::asio::any_io_executor executor, WebhookOptions options, Clock clock)
    : clock_(std::move(clock)),
      url_(parsed(options.url)),
      secret_(secret_or_throw(options.secret_file)),
      pool_(std::move(executor), OriginPoolOptions{.ca_file = options.ca_file,
                                                   .h1_connections = options.connections,
                                                   .timeout = options.timeout}) {}

void WebhookProvider::send(const Notification& n, Completion done) {
  auto request = build_webhook_request(n, secret_, clock_());
  if (!request) return done(PushResult{.outcome = Outcome::kRejected, .reason = request.error()});
  pool_.request(url_, std::move(*request), [this, done = std::move(done)](tl::expected<HttpResponse, std::string> r) {
    if (!r) return done(PushResult{.outcome = Outcome::kRetry, .reason = "webhook: " + r.error()});
    done(interpret_webhook_response(*r, clock_()));
  });
}

}  // namespace xpush::push
