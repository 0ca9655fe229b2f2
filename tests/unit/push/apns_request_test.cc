#include "push/apns_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xpush::push {
namespace {

using nlohmann::json;

Notification alert() {
  Notification n;
  n.id = "8a0c9f0e-5b0a-4d1e-9b6e-2f1f3c9a7d10";
  n.device = {Platform::kApns, "00fe11aa", "chat"};
  n.kind = Kind::kAlert;
  n.title = "New message";
  n.sound = "default";
  n.badge = 3;
  n.thread_id = "bob@example.org";
  n.created_at = std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}};
  n.ttl = std::chrono::hours{1};
  return n;
}

const ApnsApp kApp{"chat", "org.example.chat"};

TEST(ApnsRequest, AlertHeadersAndPayload) {
  auto r = build_apns_request(alert(), kApp, "JWT");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/3/device/00fe11aa");
  EXPECT_EQ(r->header("authorization"), "bearer JWT");
  EXPECT_EQ(r->header("apns-topic"), "org.example.chat");
  EXPECT_EQ(r->header("apns-push-type"), "alert");
  EXPECT_EQ(r->header("apns-priority"), "10");
  EXPECT_EQ(r->header("apns-expiration"), "1800003600");
  EXPECT_EQ(r->header("apns-id"), "8a0c9f0e-5b0a-4d1e-9b6e-2f1f3c9a7d10");
  // Its own id: a repeat of this notification replaces it on the phone.
  EXPECT_EQ(r->header("apns-collapse-id"), "8a0c9f0e-5b0a-4d1e-9b6e-2f1f3c9a7d10");
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"aps":{"alert":{"title":"New message"},"sound":"default","badge":3,
                           "thread-id":"bob@example.org","mutable-content":1}})"));
}

TEST(ApnsRequest, BackgroundIsContentAvailableAtPriorityFive) {
  Notification n = alert();
  n.kind = Kind::kBackground;
  n.data = {{"account", "a1"}};
  auto r = build_apns_request(n, kApp, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("apns-push-type"), "background");
  EXPECT_EQ(r->header("apns-priority"), "5");  // never 10 with content-available alone
  EXPECT_FALSE(r->header("authorization"));   // certificate auth
  // A silent push carries the badge: it is how an app's badge is cleared.
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"aps":{"content-available":1,"badge":3},"account":"a1"})"));
}

TEST(ApnsRequest, RulesFieldsReachTheAlertDictionary) {
  Notification n = alert();
  n.subtitle = "in Lunch";
  n.loc_key = "MSG_FROM";
  n.loc_args = {"Bob"};
  n.title_loc_key = "TITLE";
  n.category = "MESSAGE";
  n.interruption_level = "time-sensitive";
  n.high_priority = false;
  auto r = build_apns_request(n, kApp, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("apns-priority"), "5");  // normal priority: the device may save power
  const auto aps = json::parse(r->body)["aps"];
  EXPECT_EQ(aps["alert"], json::parse(R"({"title":"New message","subtitle":"in Lunch",
      "loc-key":"MSG_FROM","loc-args":["Bob"],"title-loc-key":"TITLE","title-loc-args":[]})"));
  EXPECT_EQ(aps["category"], "MESSAGE");
  EXPECT_EQ(aps["interruption-level"], "time-sensitive");
}

TEST(ApnsRequest, VoipUsesTheVoipTopicAndTheLargerLimit) {
  Notification n = alert();
  n.kind = Kind::kVoip;
  n.body = std::string(6000, 'v');
  auto r = build_apns_request(n, kApp, "JWT");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("apns-topic"), "org.example.chat.voip");
  EXPECT_EQ(r->header("apns-push-type"), "voip");
  EXPECT_LE(r->body.size(), kApnsVoipPayloadLimit);
  EXPECT_GT(r->body.size(), kApnsPayloadLimit);
}

TEST(ApnsRequest, LongTextIsCutToTheLimit) {
  Notification n = alert();
  n.body.clear();
  for (int i = 0; i < 3000; ++i) n.body += "\xF0\x9F\x91\x8B\"";  // 👋 and a quote
  auto r = build_apns_request(n, kApp, "JWT");
  ASSERT_TRUE(r);
  EXPECT_LE(r->body.size(), kApnsPayloadLimit);
  EXPECT_GT(r->body.size(), kApnsPayloadLimit - 16);
  const auto body = json::parse(r->body)["aps"]["alert"]["body"].get<std::string>();
  EXPECT_TRUE(body.ends_with("\xE2\x80\xA6"));
}

TEST(ApnsRequest, CollapseIdWithinSixtyFourBytes) {
  Notification n = alert();
  n.collapse_key = std::string(64, 'k');
  EXPECT_EQ(build_apns_request(n, kApp, "")->header("apns-collapse-id"), std::string(64, 'k'));
  n.collapse_key = std::string(65, 'k');
  const auto hashed = std::string{*build_apns_request(n, kApp, "")->header("apns-collapse-id")};
  EXPECT_EQ(hashed.size(), 64u);
  EXPECT_NE(hashed, apns_collapse_id(std::string(66, 'k')));
}

TEST(ApnsRequest, TheMessagesTagCollapsesItsCorrectionIntoIt) {
  Notification n = alert();
  n.tag = "msg-0123456789abcdef";
  EXPECT_EQ(build_apns_request(n, kApp, "")->header("apns-collapse-id"), "msg-0123456789abcdef");
  n.collapse_key = "bob";  // a rule's own collapse key wins
  EXPECT_EQ(build_apns_request(n, kApp, "")->header("apns-collapse-id"), "bob");
}

TEST(ApnsRequest, TextIsSanitisedBeforeItReachesThePhone) {
  Notification n = alert();
  n.title = "Ann\x1b[31m";
  n.body = "broken \xED\xA0\x80 surrogate";
  n.data = {{"k\x01", "v\xFF"}};
  const auto j = json::parse(build_apns_request(n, kApp, "")->body);
  EXPECT_EQ(j["aps"]["alert"]["title"], "Ann\xEF\xBF\xBD[31m");
  EXPECT_EQ(j["aps"]["alert"]["body"], "broken \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD surrogate");
  EXPECT_EQ(j["k\xEF\xBF\xBD"], "v\xEF\xBF\xBD");
}

TEST(ApnsRequest, CustomDataCannotReplaceAps) {
  Notification n = alert();
  n.data = {{"aps", "evil"}, {"k", "v"}};
  const auto j = json::parse(build_apns_request(n, kApp, "")->body);
  EXPECT_TRUE(j["aps"].is_object());
  EXPECT_EQ(j["k"], "v");
}

}  // namespace
}  // namespace xpush::push
