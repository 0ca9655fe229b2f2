// The outbox row of a notification: JSON written by hand, read by nlohmann.
#include "push/notification_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace xpush::push {
namespace {

Notification awkward() {
  Notification n;
  n.id = "id-1";
  n.recipient = "alice@example.org";
  n.node = "node";
  n.device = {Platform::kApns, "00ff", "chat"};
  n.kind = Kind::kAlert;
  n.title = "Bob \"the builder\" \\ 李四 👋";
  n.body = "line one\nline two\ttabbed\r";
  n.loc_args = {"a\"b", "ć"};
  n.title_loc_args = {};
  n.badge = 7;
  n.data = {{"chat", "{\"json\":\"in a string\"}"}, {"empty", ""}};
  n.high_priority = false;
  n.created_at = std::chrono::system_clock::time_point{std::chrono::milliseconds{1'764'547'200'123}};
  n.ttl = std::chrono::seconds{3600};
  return n;
}

TEST(NotificationJson, EveryFieldComesBackAsItWas) {
  const Notification n = awkward();
  const std::string text = to_json(n);
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  const auto back = notification_from_json(text);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->title, n.title);
  EXPECT_EQ(back->body, n.body);
  EXPECT_EQ(back->loc_args, n.loc_args);
  EXPECT_EQ(back->data, n.data);
  EXPECT_EQ(back->badge, 7);
  EXPECT_FALSE(back->high_priority);
  EXPECT_EQ(back->created_at, n.created_at);
  EXPECT_EQ(back->ttl, n.ttl);
  EXPECT_EQ(back->device.app, "chat");
  EXPECT_EQ(to_json(*back), text);
}

TEST(NotificationJson, ACallComesBackAsACall) {
  Notification n = awkward();
  n.kind = Kind::kVoip;
  n.call = Notification::Call{"call-1", false, "video"};
  const auto back = notification_from_json(to_json(n));
  ASSERT_TRUE(back) << back.error();
  ASSERT_TRUE(back->call);
  EXPECT_EQ(back->call->id, "call-1");
  EXPECT_FALSE(back->call->ended);
  EXPECT_EQ(back->call->media, "video");
  EXPECT_EQ(back->kind, Kind::kVoip);
  EXPECT_FALSE(notification_from_json(to_json(awkward()))->call);
}

TEST(NotificationJson, BrokenUtf8AndForbiddenControlsBecomeTheReplacementCharacter) {
  Notification n = awkward();
  n.title = std::string{"a\xC3\x28z"};   // a broken two-byte sequence
  n.body = std::string{"bell\x07!"};     // not an XML character
  n.data = {{"k\x01", "v\xFF"}};
  const std::string text = to_json(n);
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  const auto back = notification_from_json(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->title, "a\xEF\xBF\xBD(z");
  EXPECT_EQ(back->body, "bell\xEF\xBF\xBD!");
  EXPECT_EQ(back->data, (std::map<std::string, std::string>{{"k\xEF\xBF\xBD", "v\xEF\xBF\xBD"}}));
}

}  // namespace
}  // namespace xpush::push
