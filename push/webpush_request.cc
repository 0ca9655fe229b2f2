#include "push/webpush_request.h"

#include <openssl/sha.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "push/payload_fit.h"
#include "push/provider_response.h"
#include "push/shown_json.h"

namespace xpush::push {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxTopic = 32;
constexpr std::size_t kMaxEndpoint = 2048;
// RFC 8030 §5.2 sets no ceiling; push services keep messages four weeks at most.
constexpr std::chrono::seconds kMaxTtl{2'419'200};
// How much of a push service's explanation reaches the log.
constexpr std::size_t kMaxReason = 200;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool base64url_char(unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; }

std::string urgency(const Notification& n) {
  if (n.kind == Kind::kBackground) return "low";
  return n.high_priority ? "high" : "normal";
}

std::string reason_of(const HttpResponse& r) {
  std::string why = "HTTP " + std::to_string(r.status);
  const auto j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::string detail;
  if (!j.is_discarded() && j.is_object()) {
    for (const char* key : {"reason", "message", "error"}) {
      if (j.contains(key) && j[key].is_string()) {
        detail = j[key].get<std::string>();
        break;
      }
      if (j.contains(key) && j[key].is_object() && j[key].contains("message") && j[key]["message"].is_string()) {
        detail = j[key]["message"].get<std::string>();
        break;
      }
    }
  } else if (!r.body.empty() && r.body.size() <= kMaxReason) {
    detail = r.body;
  }
  detail = std::string{utf8_prefix(detail, kMaxReason)};
  std::replace_if(detail.begin(), detail.end(), [](unsigned char c) { return c < 0x20; }, ' ');
  return detail.empty() ? why : why + ": " + detail;
}

}  // namespace

std::string subscription_token(const Subscription& s) {
  return dump(json{{"endpoint", s.endpoint}, {"keys", {{"p256dh", s.p256dh}, {"auth", s.auth}}}});
}

tl::expected<Subscription, std::string> parse_subscription_token(std::string_view token) {
  const auto j = json::parse(token, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("endpoint") || !j["endpoint"].is_string() ||
      !j.contains("keys") || !j["keys"].is_object() || !j["keys"].contains("p256dh") ||
      !j["keys"]["p256dh"].is_string() || !j["keys"].contains("auth") || !j["keys"]["auth"].is_string()) {
    return tl::unexpected(std::string{"not a Web Push subscription"});
  }
  return Subscription{j["endpoint"], j["keys"]["p256dh"], j["keys"]["auth"]};
}

tl::expected<Subscription, std::string> checked_subscription(Subscription s, const EndpointPolicy& policy) {
  if (s.endpoint.size() > kMaxEndpoint) return tl::unexpected(std::string{"the endpoint is too long"});
  auto url = policy.check(s.endpoint);
  if (!url) return tl::unexpected(url.error());
  auto keys = subscription_keys(s.p256dh, s.auth);
  if (!keys) return tl::unexpected(keys.error());
  // Stored without padding, as the browsers' own toJSON() gives them.
  while (!s.p256dh.empty() && s.p256dh.back() == '=') s.p256dh.pop_back();
  while (!s.auth.empty() && s.auth.back() == '=') s.auth.pop_back();
  return s;
}

tl::expected<std::string, std::string> webpush_payload(const Notification& raw) {
  const Notification n = sanitized(raw);
  const auto render = [&n](std::string_view title, std::string_view body) {
    json j = {{"id", n.id}, {"kind", to_string(n.kind)}};
    add_shown_text(j, n, title, body);
    const auto& tag = !n.thread_id.empty() ? n.thread_id : !n.collapse_key.empty() ? n.collapse_key : n.tag;
    if (!tag.empty()) j["tag"] = tag;
    if (n.badge) j["badge"] = *n.badge;
    if (!n.category.empty()) j["category"] = n.category;
    if (!n.data.empty()) j["data"] = n.data;
    return dump(j);
  };
  auto fitted = fit_payload(kMaxWebPushPlaintext, n.title, n.body, render);
  if (!fitted) return tl::unexpected("message larger than " + std::to_string(kMaxWebPushPlaintext) + " bytes");
  return std::move(fitted->json);
}

std::string webpush_topic(std::string_view key) {
  if (key.empty()) return {};
  if (key.size() <= kMaxTopic && std::all_of(key.begin(), key.end(), base64url_char)) return std::string{key};
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return base::base64url({reinterpret_cast<const char*>(digest), sizeof digest}).substr(0, kMaxTopic);
}

tl::expected<HttpRequest, std::string> build_webpush_request(const Notification& n, const WebPushTarget& target,
                                                             std::string_view authorization,
                                                             std::chrono::system_clock::time_point now,
                                                             const EceOptions& ece) {
  auto payload = webpush_payload(n);
  if (!payload) return tl::unexpected(payload.error());
  auto body = encrypt_aes128gcm(*payload, target.keys, ece);
  if (!body) return tl::unexpected(body.error());
  HttpRequest request = webpush_request_head(n, target.url.target, now);
  request.headers.emplace_back("authorization", std::string{authorization});
  request.body = std::move(*body);
  return request;
}

HttpRequest webpush_request_head(const Notification& n, std::string target, std::chrono::system_clock::time_point now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(n.created_at + n.ttl - now);
  HttpRequest request;
  request.path = std::move(target);
  request.headers.emplace_back("content-type", "application/octet-stream");
  request.headers.emplace_back("content-encoding", "aes128gcm");
  request.headers.emplace_back("ttl", std::to_string(std::clamp(left, std::chrono::seconds{0}, kMaxTtl).count()));
  request.headers.emplace_back("urgency", urgency(n));
  // An undelivered message is replaced by its correction or retraction (the tag).
  if (auto topic = webpush_topic(n.collapse_key.empty() ? n.tag : n.collapse_key); !topic.empty()) {
    request.headers.emplace_back("topic", topic);
  }
  return request;
}

PushResult interpret_webpush_response(const HttpResponse& r, std::chrono::system_clock::time_point now) {
  const auto with = [&r](Outcome outcome, std::string reason) {
    return PushResult{.outcome = outcome, .status = r.status, .reason = std::move(reason)};
  };
  if (r.status >= 200 && r.status < 300) return with(Outcome::kDelivered, {});
  if (r.status == 404 || r.status == 410) return with(Outcome::kTokenInvalid, reason_of(r));
  if (r.status == 429 || r.status >= 500) {
    PushResult retry = with(Outcome::kRetry, reason_of(r));
    if (auto value = r.header("retry-after")) retry.retry_after = parse_retry_after(*value, now);
    return retry;
  }
  // 400 / 401 / 403: the request or our VAPID identity; 413: too large.
  return with(Outcome::kRejected, reason_of(r));
}

}  // namespace xpush::push
