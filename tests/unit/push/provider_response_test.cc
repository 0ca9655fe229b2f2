#include "push/provider_response.h"

#include <gtest/gtest.h>

#include "push/retry_policy.h"

namespace xpush::push {
namespace {

using std::chrono::seconds;
const auto kNow = std::chrono::system_clock::time_point{seconds{1'800'000'000}};

HttpResponse response(int status, std::string body, Headers headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

struct Case {
  const char* name;
  HttpResponse response;
  Outcome outcome;
  std::string reason;
};

TEST(ApnsResponse, OutcomesFromApplesTable) {
  const std::vector<Case> cases = {
      {"delivered", response(200, ""), Outcome::kDelivered, ""},
      {"unregistered", response(410, R"({"reason":"Unregistered","timestamp":1799999999000})"),
       Outcome::kTokenInvalid, "Unregistered"},
      {"expired token", response(410, R"({"reason":"ExpiredToken"})"), Outcome::kTokenInvalid, "ExpiredToken"},
      {"bad token", response(400, R"({"reason":"BadDeviceToken"})"), Outcome::kTokenInvalid, "BadDeviceToken"},
      {"other app's token", response(400, R"({"reason":"DeviceTokenNotForTopic"})"),
       Outcome::kTokenInvalid, "DeviceTokenNotForTopic"},
      {"stale JWT", response(403, R"({"reason":"ExpiredProviderToken"})"), Outcome::kRefreshAuth,
       "ExpiredProviderToken"},
      {"bad key", response(403, R"({"reason":"InvalidProviderToken"})"), Outcome::kRetry,
       "InvalidProviderToken"},
      {"too many", response(429, R"({"reason":"TooManyRequests"})"), Outcome::kRetry, "TooManyRequests"},
      {"internal", response(500, R"({"reason":"InternalServerError"})"), Outcome::kRetry,
       "InternalServerError"},
      {"unavailable", response(503, R"({"reason":"ServiceUnavailable"})"), Outcome::kRetry,
       "ServiceUnavailable"},
      {"too large", response(413, R"({"reason":"PayloadTooLarge"})"), Outcome::kRejected, "PayloadTooLarge"},
      {"bad topic", response(400, R"({"reason":"BadTopic"})"), Outcome::kRejected, "BadTopic"},
      {"garbage body", response(400, "<html>"), Outcome::kRejected, "HTTP 400"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = interpret_apns_response(c.response, kNow);
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_EQ(r.reason, c.reason);
    EXPECT_EQ(r.status, c.response.status);
  }
  EXPECT_EQ(interpret_apns_response(cases[1].response, kNow).token_dead_since,
            std::chrono::milliseconds{1799999999000});
}

std::string fcm_error(int code, const std::string& status, const std::string& error_code,
                      const std::string& message = "m") {
  return R"({"error":{"code":)" + std::to_string(code) + R"(,"message":")" + message +
         R"(","status":")" + status +
         R"(","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":")" +
         error_code + R"("}]}})";
}

TEST(FcmResponse, OutcomesFromGooglesTable) {
  const std::vector<Case> cases = {
      {"delivered", response(200, R"({"name":"projects/p/messages/1"})"), Outcome::kDelivered, ""},
      {"unregistered", response(404, fcm_error(404, "NOT_FOUND", "UNREGISTERED")),
       Outcome::kTokenInvalid, "UNREGISTERED"},
      {"other project", response(403, fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH")),
       Outcome::kTokenInvalid, "SENDER_ID_MISMATCH"},
      {"malformed token",
       response(400, fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                               "The registration token is not a valid FCM registration token")),
       Outcome::kTokenInvalid, "INVALID_ARGUMENT"},
      {"bad data value",
       response(400, fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
                               "Invalid value at 'message.data[0].value' (TYPE_STRING)")),
       Outcome::kRejected, "INVALID_ARGUMENT"},
      {"quota", response(429, fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")), Outcome::kRetry,
       "QUOTA_EXCEEDED"},
      {"unavailable", response(503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE")), Outcome::kRetry,
       "UNAVAILABLE"},
      {"internal", response(500, fcm_error(500, "INTERNAL", "INTERNAL")), Outcome::kRetry, "INTERNAL"},
      {"expired access token", response(401, R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})"),
       Outcome::kRefreshAuth, "UNAUTHENTICATED"},
      {"APNs credentials in Firebase",
       response(401, fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR")), Outcome::kRetry,
       "THIRD_PARTY_AUTH_ERROR"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = interpret_fcm_response(c.response, kNow);
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_EQ(r.reason, c.reason);
  }
}

TEST(FcmResponse, QuotaWaitsAtLeastAMinuteWhateverRetryAfterSays) {
  const auto quota = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED");
  EXPECT_EQ(interpret_fcm_response(response(429, quota), kNow).retry_after, seconds{60});
  EXPECT_EQ(interpret_fcm_response(response(429, quota, {{"retry-after", "5"}}), kNow).retry_after,
            seconds{60});
  EXPECT_EQ(interpret_fcm_response(response(429, quota, {{"retry-after", "90"}}), kNow).retry_after,
            seconds{90});
  EXPECT_EQ(interpret_fcm_response(response(503, fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"),
                                            {{"retry-after", "7"}}),
                                   kNow)
                .retry_after,
            seconds{7});
}

TEST(RetryAfter, SecondsOrHttpDate) {
  EXPECT_EQ(parse_retry_after("120", kNow), seconds{120});
  EXPECT_EQ(parse_retry_after("0", kNow), seconds{0});
  // 1800000000 is Fri, 15 Jan 2027 08:00:00 GMT.
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 08:00:30 GMT", kNow), seconds{30});
  EXPECT_EQ(parse_retry_after("Fri, 15 Jan 2027 07:00:00 GMT", kNow), seconds{0});
  EXPECT_FALSE(parse_retry_after("-5", kNow));
  EXPECT_FALSE(parse_retry_after("soon", kNow));
  EXPECT_FALSE(parse_retry_after("12s", kNow));
}

TEST(RetryPolicy, BackOffWithRetryAfterAsAFloorAndABudget) {
  const RetryPolicy policy{{seconds{1}, std::chrono::minutes{15}}, 5};
  const PushResult plain{.outcome = Outcome::kRetry, .status = 500};
  EXPECT_EQ(retry_delay(policy, 1, plain, 1.0), std::chrono::milliseconds{1000});
  EXPECT_EQ(retry_delay(policy, 2, plain, 1.0), std::chrono::milliseconds{2000});
  EXPECT_EQ(retry_delay(policy, 4, plain, 0.0), std::chrono::milliseconds{4000});
  EXPECT_FALSE(retry_delay(policy, 5, plain, 1.0));
  PushResult told = plain;
  told.retry_after = seconds{30};
  EXPECT_EQ(retry_delay(policy, 1, told, 1.0), std::chrono::milliseconds{30'000});
}

}  // namespace
}  // namespace xpush::push
