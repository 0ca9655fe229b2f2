// The badge: alerts show the user's unread offline messages, each message
// counted once whatever the number of devices, signals and edits not at all;
// the count starts again when the server hook says the user is back or a
// device registers; and where xpush cannot know it, there is no badge.
#include <gtest/gtest.h>

#include "tests/unit/engine/app_server_fixture.h"

namespace xpush {
namespace {

using test_util::AppServerTest;

const std::string kBack =
    "<message from='localhost' to='push.localhost'><user-back xmlns='urn:xpush:0' jid='alice@localhost'/></message>";

std::string chat(const std::string& id) {
  return "<message from='localhost' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'>"
         "<message xmlns='jabber:client' from='bob@localhost/pc' to='alice@localhost' type='chat' id='" + id +
         "'><body>hello " + id + "</body></message></forwarded></message>";
}

TEST_F(AppServerTest, AlertsShowTheUnreadCountAndTheUserComingBackResetsIt) {
  register_device();
  for (const auto* id : {"m1", "m2", "m3"}) {
    const auto before = provider_.sent.size();
    deliver(chat(id), [&] { return provider_.sent.size() > before; });
  }
  ASSERT_EQ(provider_.sent.size(), 3u);
  EXPECT_EQ(provider_.sent[0].badge, 1);
  EXPECT_EQ(provider_.sent[2].badge, 3);

  deliver(kBack, [this] { return app_.counters().users_back == 1; });
  settle();
  deliver(chat("m4"), [this] { return provider_.sent.size() == 4; });
  ASSERT_EQ(provider_.sent.size(), 4u);
  EXPECT_EQ(provider_.sent[3].badge, 1);
}

std::string from_bob(const std::string& inner) {
  return "<message from='localhost' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'>"
         "<message xmlns='jabber:client' from='bob@localhost/pc' to='alice@localhost' type='chat'" + inner +
         "</message></forwarded></message>";
}

TEST_F(AppServerTest, ReceiptsChatStatesAndEditsDoNotRaiseTheBadge) {
  register_device();
  deliver(chat("m1"), [&] { return provider_.sent.size() == 1; });
  // Each decided (the log rule would push them), none counted.
  for (const auto& signal : {
           from_bob(" id='r1'><received xmlns='urn:xmpp:receipts' id='x'/>"),
           from_bob(" id='c1'><composing xmlns='http://jabber.org/protocol/chatstates'/>"),
           from_bob(" id='d1'><displayed xmlns='urn:xmpp:chat-markers:0' id='x'/>"),
       }) {
    const auto decided = app_.counters().forwarded;
    deliver(signal, [&] { return app_.counters().forwarded > decided; });
  }
  settle();
  const auto before = provider_.sent.size();
  deliver(from_bob(" id='m1-fix'><body>hello again</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"),
          [&] { return provider_.sent.size() > before; });
  ASSERT_GT(provider_.sent.size(), before);
  EXPECT_EQ(provider_.sent.back().badge, 1);  // the edit is not a second message
  deliver(chat("m2"), [&] { return provider_.sent.size() > before + 1; });
  EXPECT_EQ(provider_.sent.back().badge, 2);
  const auto db = observer();
  EXPECT_EQ(*db->unread_count("alice@localhost"), 2);
  EXPECT_EQ(*db->count_messages("alice@localhost"), 6);  // every one kept
}

TEST_F(AppServerTest, ThroughSummariesTheBadgeComesOnlyOnceTheDeviceRegistersAgain) {
  auto device = register_device();
  auto push = [&](const Registered& d, const std::string& body) {
    const auto before = provider_.sent.size();
    ASSERT_EQ(error_of(exchange(publish("localhost", d.node, secret(d.secret), summary_with_body(body)))),
              "result");
    settle();
    ASSERT_EQ(provider_.sent.size(), before + 1);
  };
  // Registered once: xpush cannot tell when the user is back; no badge.
  push(device, "New Message!");
  EXPECT_FALSE(provider_.sent.back().badge);
  // The app registers again at login (as Conversations does): the count
  // starts again and, one message per publish, is exact.
  device = register_device();
  push(device, "New Message!");
  push(device, "New Message!");
  EXPECT_EQ(provider_.sent.back().badge, 2);
  // A receipt's publish carries no body: it does not count.
  push(device, "");
  push(device, "New Message!");
  EXPECT_EQ(provider_.sent.back().badge, 3);
}

TEST_F(AppServerTest, EachDevicesPublishOfOneMessageCountsOnceAndGetsNoBadge) {
  const auto phone = register_device("alice@localhost/phone", "fcm", "phone");
  const auto tablet = register_device("alice@localhost/tablet", "fcm", "tablet");
  for (const auto& device : {phone, tablet}) {
    ASSERT_EQ(error_of(exchange(publish("localhost", device.node, secret(device.secret), summary_with_body("hi")))),
              "result");
  }
  settle();
  ASSERT_EQ(provider_.sent.size(), 2u);
  // Two devices: one summary per device, which cannot tell two messages
  // with the same text from one; the count is kept, no badge shown.
  EXPECT_FALSE(provider_.sent[0].badge);
  EXPECT_FALSE(provider_.sent[1].badge);
  EXPECT_EQ(*observer()->unread_count("alice@localhost"), 1);
}

TEST_F(AppServerTest, WhereTheServerRunsTheHookSummariesShowTheBadge) {
  const auto device = register_device();
  deliver(kBack, [this] { return app_.counters().users_back == 1; });
  settle();
  ASSERT_EQ(error_of(exchange(publish("localhost", device.node, secret(device.secret), summary_with_body("hi")))),
            "result");
  settle();
  ASSERT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(provider_.sent[0].badge, 1);
}

TEST_F(AppServerTest, AUserBackForSomeoneOfAnotherServerIsRefused) {
  register_device();
  deliver(chat("m1"), [this] { return provider_.sent.size() == 1; });
  deliver("<message from='evil.example' to='push.localhost'><user-back xmlns='urn:xpush:0' jid='alice@localhost'/></message>",
          [] { return false; });
  EXPECT_EQ(app_.counters().users_back, 0u);
  deliver(chat("m2"), [this] { return provider_.sent.size() == 2; });
  EXPECT_EQ(provider_.sent[1].badge, 2);
}

std::string read_chat(const std::string& chat, const std::string& server = "localhost") {
  return "<message from='" + server + "' to='push.localhost'><read xmlns='urn:xpush:0' jid='alice@" + server +
         "' chat='" + chat + "'/></message>";
}

TEST_F(AppServerTest, AChatReadOnAnotherDeviceReachesTheOthersSilently) {
  register_device("alice@localhost/phone", "apns", "iphone");
  register_device("alice@localhost/pixel", "fcm", "pixel");
  deliver(chat("m1"), [this] { return provider_.sent.size() == 2; });
  deliver(chat("m2"), [this] { return provider_.sent.size() == 4; });
  deliver(from_bob(" id='m3'><body>hi</body>"), [this] { return provider_.sent.size() == 6; });
  ASSERT_EQ(provider_.sent.size(), 6u);
  EXPECT_EQ(provider_.sent[4].badge, 3);

  deliver(read_chat("bob@localhost"), [this] { return provider_.sent.size() == 8; });
  settle();
  ASSERT_EQ(provider_.sent.size(), 8u);
  for (const auto* read : {&provider_.sent[6], &provider_.sent[7]}) {
    EXPECT_EQ(read->kind, push::Kind::kBackground);
    EXPECT_EQ(read->badge, 0);
    EXPECT_TRUE(read->title.empty() && read->body.empty());
    EXPECT_EQ(read->data, (std::map<std::string, std::string>{{"event", "read"}, {"chat", "bob@localhost"},
                                                              {"unread", "0"}}));
  }
  EXPECT_EQ(app_.counters().chats_read, 1u);
  // Read again, or a chat with nothing pushed: nothing to clear.
  deliver(read_chat("bob@localhost"), [this] { return app_.counters().chats_read == 2; });
  deliver(read_chat("carol@localhost"), [this] { return app_.counters().chats_read == 3; });
  settle();
  EXPECT_EQ(provider_.sent.size(), 8u);
  // A server speaks only for its own users.
  deliver(chat("m4"), [this] { return provider_.sent.size() == 10; });
  deliver(read_chat("bob@localhost", "evil.example"), [] { return false; });
  settle();
  EXPECT_EQ(provider_.sent.size(), 10u);
  EXPECT_EQ(app_.counters().chats_read, 3u);
}

class AppServerBadgeClearing : public AppServerTest {
 protected:
  static AppServerOptions clearing() {
    AppServerOptions o{"push.localhost", {"localhost"}};
    o.apns_apps = {};
    o.clear_badge_on_return = true;
    return o;
  }
  AppServerBadgeClearing() : AppServerTest(clearing()) {}
};

TEST_F(AppServerBadgeClearing, ApplePhonesGetASilentPushSettingTheBadgeToZero) {
  register_device("alice@localhost/phone", "apns", "iphone");
  register_device("alice@localhost/pixel", "fcm", "pixel");
  deliver(chat("m1"), [this] { return provider_.sent.size() == 2; });
  ASSERT_EQ(provider_.sent.size(), 2u);
  deliver(kBack, [this] { return provider_.sent.size() == 3; });
  settle();
  ASSERT_EQ(provider_.sent.size(), 3u);  // the Apple device only
  const auto& clear = provider_.sent[2];
  EXPECT_EQ(clear.device.platform, push::Platform::kApns);
  EXPECT_EQ(clear.kind, push::Kind::kBackground);
  EXPECT_EQ(clear.badge, 0);
  EXPECT_TRUE(clear.body.empty());
  // Nothing unread: nothing to clear.
  deliver(kBack, [this] { return app_.counters().users_back == 2; });
  settle();
  EXPECT_EQ(provider_.sent.size(), 3u);
}

}  // namespace
}  // namespace xpush
