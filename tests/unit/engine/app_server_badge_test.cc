// The badge: alerts show the user's unread offline messages, each message
// counted once whatever the number of devices, and the count starts again
// when the server hook says the user is back.
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

TEST_F(AppServerTest, EachDevicesPublishOfOneMessageCountsOnce) {
  const auto phone = register_device("alice@localhost/phone", "fcm", "phone");
  const auto tablet = register_device("alice@localhost/tablet", "fcm", "tablet");
  for (const auto& device : {phone, tablet}) {
    ASSERT_EQ(error_of(exchange(publish("localhost", device.node, secret(device.secret), summary_with_body("hi")))),
              "result");
  }
  settle();
  ASSERT_EQ(provider_.sent.size(), 2u);
  EXPECT_EQ(provider_.sent[0].badge, 1);
  EXPECT_EQ(provider_.sent[1].badge, 1);
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
