#include "push/fcm_request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xpush::push {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const auto kCreated = std::chrono::system_clock::time_point{seconds{1'800'000'000}};

Notification notification(Kind kind) {
  Notification n;
  n.device = {Platform::kFcm, "fcm-token", "chat"};
  n.kind = kind;
  n.title = "New message";
  n.created_at = kCreated;
  n.ttl = std::chrono::hours{1};
  return n;
}

const FcmApp kApp{"chat", "example-project", "messages"};

TEST(FcmRequest, AlertMessage) {
  Notification n = notification(Kind::kAlert);
  n.collapse_key = "bob";
  n.data = {{"from", "reserved"}, {"google.x", "reserved"}, {"account", "a1"}};
  auto r = build_fcm_request(n, kApp, "ya29.token", kCreated + seconds{600});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->path, "/v1/projects/example-project/messages:send");
  EXPECT_EQ(r->header("authorization"), "Bearer ya29.token");
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"message":{
      "token":"fcm-token",
      "notification":{"title":"New message"},
      "data":{"account":"a1"},
      "android":{"priority":"HIGH","ttl":"3000s","collapse_key":"bob",
                 "notification":{"channel_id":"messages"}},
      "apns":{"headers":{"apns-priority":"10","apns-push-type":"alert","apns-collapse-id":"bob"},
              "payload":{"aps":{"alert":{"title":"New message"},"mutable-content":1}}}}})"));
}

TEST(FcmRequest, TheMessagesTagNamesItsTrayEntryWithoutMakingItCollapsible) {
  Notification n = notification(Kind::kAlert);
  n.tag = "msg-0123456789abcdef";
  const auto m = json::parse(build_fcm_request(n, kApp, "t", kCreated)->body)["message"];
  EXPECT_EQ(m["android"]["notification"]["tag"], "msg-0123456789abcdef");
  // Not an FCM collapse_key: FCM keeps only four of those per device while it is offline.
  EXPECT_FALSE(m["android"].contains("collapse_key"));
  EXPECT_EQ(m["apns"]["headers"]["apns-collapse-id"], "msg-0123456789abcdef");
}

TEST(FcmRequest, LocalisedNormalPriorityAlert) {
  Notification n = notification(Kind::kAlert);
  n.title.clear();
  n.loc_key = "MSG_FROM";
  n.loc_args = {"Bob"};
  n.category = "OPEN_CHAT";
  n.badge = 4;
  n.high_priority = false;
  auto r = build_fcm_request(n, kApp, "t", kCreated);
  ASSERT_TRUE(r);
  const auto m = json::parse(r->body)["message"];
  EXPECT_FALSE(m.contains("notification"));  // nothing to show but the localised text
  EXPECT_EQ(m["android"]["priority"], "NORMAL");
  EXPECT_EQ(m["android"]["notification"], json::parse(R"({"channel_id":"messages",
      "body_loc_key":"MSG_FROM","body_loc_args":["Bob"],"click_action":"OPEN_CHAT",
      "notification_count":4})"));
  EXPECT_EQ(m["apns"]["headers"]["apns-priority"], "5");
  EXPECT_EQ(m["apns"]["payload"]["aps"]["alert"], json::parse(R"({"loc-key":"MSG_FROM","loc-args":["Bob"]})"));
}

TEST(FcmRequest, BackgroundIsDataOnly) {
  auto r = build_fcm_request(notification(Kind::kBackground), kApp, "t", kCreated);
  ASSERT_TRUE(r);
  const auto m = json::parse(r->body)["message"];
  EXPECT_FALSE(m.contains("notification"));
  EXPECT_EQ(m["apns"]["headers"]["apns-priority"], "5");
  EXPECT_EQ(m["apns"]["payload"]["aps"]["content-available"], 1);
  EXPECT_EQ(m["android"]["ttl"], "3600s");
}

TEST(FcmRequest, ACallIsAHighPriorityDataMessageForTheAppsCallScreen) {
  for (const auto kind : {Kind::kVoip, Kind::kAlert}) {  // ringing; ended (a notice)
    Notification n = notification(kind);
    n.title = "Incoming call";
    n.call = Notification::Call{"call-1", kind == Kind::kAlert, "audio"};
    n.data = {{"event", kind == Kind::kAlert ? "call-ended" : "call"}, {"call_id", "call-1"}, {"media", "audio"}};
    n.tag = "call-0123";
    auto r = build_fcm_request(n, kApp, "t", kCreated);
    ASSERT_TRUE(r) << r.error();
    const auto m = json::parse(r->body)["message"];
    EXPECT_FALSE(m.contains("notification"));
    EXPECT_FALSE(m["android"].contains("notification"));
    EXPECT_EQ(m["android"]["priority"], "HIGH");
    EXPECT_EQ(m["data"], json::parse(std::string{R"({"event":")"} + (kind == Kind::kAlert ? "call-ended" : "call") +
                                     R"(","call_id":"call-1","media":"audio","title":"Incoming call"})"));
    // iOS through FCM: an alert that the ending replaces.
    EXPECT_EQ(m["apns"]["headers"]["apns-collapse-id"], "call-0123");
  }
}

TEST(FcmRequest, TtlIsWhatIsLeftAndWithinFourWeeks) {
  Notification n = notification(Kind::kAlert);
  EXPECT_EQ(json::parse(build_fcm_request(n, kApp, "t", kCreated + std::chrono::hours{2})->body)
                ["message"]["android"]["ttl"],
            "0s");
  n.ttl = std::chrono::hours{24 * 60};
  EXPECT_EQ(json::parse(build_fcm_request(n, kApp, "t", kCreated)->body)["message"]["android"]["ttl"],
            "2419200s");
}

TEST(FcmRequest, WithinTheSizeLimit) {
  Notification n = notification(Kind::kAlert);
  n.body = std::string(8000, 'b');
  auto r = build_fcm_request(n, kApp, "t", kCreated);
  ASSERT_TRUE(r);
  EXPECT_LE(r->body.size(), kFcmPayloadLimit);
  n.data = {{"huge", std::string(5000, 'd')}};
  EXPECT_FALSE(build_fcm_request(n, kApp, "t", kCreated));
}

}  // namespace
}  // namespace xpush::push
