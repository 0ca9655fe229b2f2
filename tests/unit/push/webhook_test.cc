#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "push/webhook_provider.h"
#include "push/webhook_request.h"
#include "tests/unit/temp_dir.h"

namespace xpush::push {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

const std::chrono::system_clock::time_point kT0{seconds{1'800'000'000}};

Notification alert() {
  Notification n;
  n.id = "7e43fae7-3b7b-493c-998b-ae3bfb3784e4";
  n.device = {Platform::kWebhook, "jpush:1a0018970a1b2c3d", "china"};
  n.kind = Kind::kAlert;
  n.title = "Bob";
  n.body = "Lunch?";
  n.badge = 2;
  n.thread_id = "bob@example.org";
  n.data = {{"chat", "bob@example.org"}};
  n.created_at = kT0;
  n.ttl = hours{1};
  return n;
}

TEST(Webhook, SignatureIsHmacSha256OverTimestampAndBody) {
  // Python: hmac.new(b"0123456789abcdef-secret", b'1800000000.{"a":1}', hashlib.sha256).hexdigest()
  EXPECT_EQ(webhook_signature("0123456789abcdef-secret", 1'800'000'000, R"({"a":1})"),
            "t=1800000000,v1=a95fb1cc54a8da42527df108b59e48635de2e4b67017c98aa3ced6c359aba57a");
}

TEST(Webhook, RequestCarriesTheNotificationSignedWithAnIdempotencyKey) {
  const auto r = build_webhook_request(alert(), "0123456789abcdef-secret", kT0 + seconds{5});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("idempotency-key"), "7e43fae7-3b7b-493c-998b-ae3bfb3784e4");
  EXPECT_EQ(r->header("x-xpush-signature"), webhook_signature("0123456789abcdef-secret", 1'800'000'005, r->body));
  EXPECT_EQ(json::parse(r->body),
            json({{"id", "7e43fae7-3b7b-493c-998b-ae3bfb3784e4"},
                  {"token", "jpush:1a0018970a1b2c3d"},
                  {"app", "china"},
                  {"kind", "alert"},
                  {"priority", "high"},
                  {"created_at", 1'800'000'000},
                  {"expires_at", 1'800'003'600},
                  {"title", "Bob"},
                  {"body", "Lunch?"},
                  {"badge", 2},
                  {"thread_id", "bob@example.org"},
                  {"data", {{"chat", "bob@example.org"}}}}));
  Notification quiet = alert();
  quiet.kind = Kind::kBackground;
  const auto silent = json::parse(*webhook_body(quiet));
  EXPECT_FALSE(silent.contains("title"));
  EXPECT_FALSE(silent.contains("body"));
}

TEST(Webhook, AnswersMeanWhatTheDocsSay) {
  const auto with = [](int status, Headers h = {}) { return interpret_webhook_response({status, h, ""}, kT0); };
  EXPECT_EQ(with(200).outcome, Outcome::kDelivered);
  EXPECT_EQ(with(202).outcome, Outcome::kDelivered);
  EXPECT_EQ(with(410).outcome, Outcome::kTokenInvalid);
  const auto busy = with(429, {{"retry-after", "30"}});
  EXPECT_EQ(busy.outcome, Outcome::kRetry);
  EXPECT_EQ(busy.retry_after, seconds{30});
  EXPECT_EQ(with(503).outcome, Outcome::kRetry);
  EXPECT_EQ(with(400).outcome, Outcome::kRejected);
  EXPECT_EQ(with(404).reason, "HTTP 404");
}

TEST(Webhook, SecretFileMustHoldEnough) {
  testing::TempDir dir;
  std::ofstream{dir.file("short")} << "abc\n";
  std::ofstream{dir.file("good")} << "0123456789abcdef0123\n";
  EXPECT_EQ(read_webhook_secret(dir.file("good")), "0123456789abcdef0123");
  EXPECT_EQ(read_webhook_secret(dir.file("short")).error(),
            dir.file("short") + ": the webhook secret is 3 bytes; use 16 or more random ones (openssl rand -hex 32)");
  EXPECT_FALSE(read_webhook_secret(dir.file("missing")));
}

}  // namespace
}  // namespace xpush::push
