#include "push/webhook_request.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "push/payload_fit.h"
#include "push/provider_response.h"
#include "push/shown_json.h"

namespace xpush::push {

namespace {

using nlohmann::json;

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

tl::expected<std::string, std::string> webhook_body(const Notification& raw) {
  const Notification n = sanitized(raw);
  const auto render = [&n](std::string_view title, std::string_view body) {
    json j = {{"id", n.id},
              {"token", n.device.token},
              {"kind", to_string(n.kind)},
              {"priority", n.high_priority ? "high" : "normal"},
              {"created_at", unix_seconds(n.created_at)},
              {"expires_at", unix_seconds(n.created_at + n.ttl)}};
    if (!n.device.app.empty()) j["app"] = n.device.app;
    add_shown_text(j, n, title, body);
    if (n.badge) j["badge"] = *n.badge;
    if (!n.thread_id.empty()) j["thread_id"] = n.thread_id;
    if (!n.collapse_key.empty()) j["collapse_key"] = n.collapse_key;
    if (!n.category.empty()) j["category"] = n.category;
    if (!n.data.empty()) j["data"] = n.data;
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto fitted = fit_payload(kWebhookBodyLimit, n.title, n.body, render);
  if (!fitted) return tl::unexpected("message larger than " + std::to_string(kWebhookBodyLimit) + " bytes");
  return std::move(fitted->json);
}

std::string webhook_signature(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string signed_text = std::to_string(t) + "." + std::string{body};
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &len);
  return "t=" + std::to_string(t) + ",v1=" + base::to_hex(mac, len);
}

tl::expected<HttpRequest, std::string> build_webhook_request(const Notification& n, std::string_view secret,
                                                             std::chrono::system_clock::time_point now) {
  auto body = webhook_body(n);
  if (!body) return tl::unexpected(body.error());
  HttpRequest request;
  request.headers.emplace_back("content-type", "application/json");
  request.headers.emplace_back("x-xpush-signature", webhook_signature(secret, unix_seconds(now), *body));
  request.headers.emplace_back("idempotency-key", n.id);
  request.body = std::move(*body);
  return request;
}

PushResult interpret_webhook_response(const HttpResponse& r, std::chrono::system_clock::time_point now) {
  PushResult result{.outcome = Outcome::kRejected, .status = r.status, .reason = "HTTP " + std::to_string(r.status)};
  if (r.status >= 200 && r.status < 300) return PushResult{.outcome = Outcome::kDelivered, .status = r.status};
  if (r.status == 410) result.outcome = Outcome::kTokenInvalid;
  if (r.status == 429 || r.status >= 500) {
    result.outcome = Outcome::kRetry;
    if (auto value = r.header("retry-after")) result.retry_after = parse_retry_after(*value, now);
  }
  return result;
}

}  // namespace xpush::push
