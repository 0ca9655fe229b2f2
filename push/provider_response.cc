#include "push/provider_response.h"

#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace xpush::push {

namespace {

using nlohmann::json;

json parse_body(std::string_view body) {
  auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json::object() : j;
}

PushResult result(Outcome outcome, const HttpResponse& r, std::string reason) {
  return PushResult{.outcome = outcome, .status = r.status, .reason = std::move(reason)};
}

PushResult with_retry_after(PushResult result, const HttpResponse& r,
                            std::chrono::system_clock::time_point now) {
  if (auto value = r.header("retry-after")) result.retry_after = parse_retry_after(*value, now);
  return result;
}

std::string fcm_error_code(const json& body) {
  const auto& error = body.contains("error") ? body["error"] : json::object();
  if (error.contains("details") && error["details"].is_array()) {
    for (const auto& d : error["details"]) {
      if (d.contains("errorCode") && d["errorCode"].is_string()) return d["errorCode"];
    }
  }
  if (error.contains("status") && error["status"].is_string()) return error["status"];
  return {};
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size() && seconds >= 0) {
    return std::chrono::seconds{seconds};
  }
  std::tm tm{};
  const std::string text{value};
  const char* parsed = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!parsed || *parsed != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  const auto delta = std::chrono::duration_cast<std::chrono::seconds>(at - now);
  return std::max(delta, std::chrono::seconds{0});
}

PushResult interpret_apns_response(const HttpResponse& r, std::chrono::system_clock::time_point now) {
  if (r.status == 200) return result(Outcome::kDelivered, r, {});
  const json body = parse_body(r.body);
  const std::string reason = body.contains("reason") && body["reason"].is_string()
                                 ? body["reason"].get<std::string>()
                                 : std::string{};
  // The device is gone, or the token was never valid for this app.
  static const std::set<std::string> kDeadToken{"Unregistered", "ExpiredToken", "BadDeviceToken",
                                                "DeviceTokenNotForTopic"};
  if (kDeadToken.count(reason)) {
    PushResult dead = result(Outcome::kTokenInvalid, r, reason);
    if (body.contains("timestamp") && body["timestamp"].is_number_integer()) {
      dead.token_dead_since = std::chrono::milliseconds{body["timestamp"].get<long long>()};
    }
    return dead;
  }
  if (reason == "ExpiredProviderToken") return result(Outcome::kRefreshAuth, r, reason);
  if (r.status == 429 || r.status >= 500) {
    return with_retry_after(result(Outcome::kRetry, r, reason), r, now);
  }
  // Credentials the operator must fix: retried (with back-off) rather than
  // lost, so that a corrected key delivers what is still fresh.
  if (r.status == 403) return with_retry_after(result(Outcome::kRetry, r, reason), r, now);
  return result(Outcome::kRejected, r, reason.empty() ? "HTTP " + std::to_string(r.status) : reason);
}

PushResult interpret_fcm_response(const HttpResponse& r, std::chrono::system_clock::time_point now) {
  if (r.status == 200) return result(Outcome::kDelivered, r, {});
  const json body = parse_body(r.body);
  const std::string code = fcm_error_code(body);
  const std::string message = body.contains("error") && body["error"].contains("message") &&
                                      body["error"]["message"].is_string()
                                  ? body["error"]["message"].get<std::string>()
                                  : std::string{};
  const std::string reason = code.empty() ? "HTTP " + std::to_string(r.status) : code;
  if (code == "UNREGISTERED" || code == "SENDER_ID_MISMATCH") {
    return result(Outcome::kTokenInvalid, r, reason);
  }
  if (code == "INVALID_ARGUMENT" && message.find("registration token") != std::string::npos) {
    return result(Outcome::kTokenInvalid, r, reason);
  }
  if (r.status == 401 && code != "THIRD_PARTY_AUTH_ERROR") {
    return result(Outcome::kRefreshAuth, r, reason);  // our OAuth2 token expired
  }
  if (code == "QUOTA_EXCEEDED" || r.status == 429) {
    PushResult retry = with_retry_after(result(Outcome::kRetry, r, reason), r, now);
    retry.retry_after = std::max(retry.retry_after.value_or(kFcmQuotaPause), kFcmQuotaPause);
    return retry;
  }
  if (r.status >= 500 || code == "UNAVAILABLE" || code == "INTERNAL" || r.status == 401 ||
      r.status == 403) {
    return with_retry_after(result(Outcome::kRetry, r, reason), r, now);
  }
  return result(Outcome::kRejected, r, reason);
}

}  // namespace xpush::push
