// Publishes verified from the registrations the app server keeps: whatever
// changes a registration is seen by the next publish, except a change made
// by another instance, which is seen once the kept entry has expired.
#include <gtest/gtest.h>

#include "tests/unit/engine/app_server_fixture.h"

namespace xpush {
namespace {

using namespace std::chrono_literals;
using interceptor::Element;
using test_util::AppServerTest;

class ManualClock {
 public:
  std::chrono::steady_clock::time_point now{std::chrono::hours{1}};
};

AppServerOptions options_with(ManualClock& clock) {
  AppServerOptions o{"push.localhost", {"localhost"}};
  o.registration_cache = 10s;
  o.steady_clock = [&clock] { return clock.now; };
  return o;
}

class AppServerCacheTest : public AppServerTest {
 protected:
  AppServerCacheTest() : AppServerTest(options_with(clock_)) {}
  std::string publish_for(const Registered& reg) {
    return error_of(exchange(publish("localhost", reg.node, secret(reg.secret), summary_with_body("hi"))));
  }
  static inline ManualClock clock_;
  const std::string unregister_d1_ =
      "<iq type='set' id='u' from='alice@localhost/phone' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='unregister-push-fcm'><x "
      "xmlns='jabber:x:data' type='submit'><field var='device-id'><value>d1</value></field>"
      "</x></command></iq>";
};

TEST_F(AppServerCacheTest, RepeatedPublishesAreVerifiedWithoutTheStore) {
  const auto reg = register_device();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(publish_for(reg), "result");
  EXPECT_EQ(app_.counters().publishes_verified_from_cache, 2u);
  ASSERT_EQ(provider_.sent.size(), 3u);
  EXPECT_EQ(provider_.sent.back().device.token, "fcm-token");
  // A wrong secret is never taken from the cache: the store says no.
  EXPECT_EQ(error_of(exchange(publish("localhost", reg.node, secret(reg.secret + "x"), ""))),
            "cancel/item-not-found");
}

TEST_F(AppServerCacheTest, ANewTokenIsUsedByTheNextPublish) {
  const auto reg = register_device();
  EXPECT_EQ(publish_for(reg), "result");
  // The phone registers again with a new token: same device, same node.
  const Element* reply = exchange(
      "<iq type='set' id='r2' from='alice@localhost/phone' to='push.localhost'><command "
      "xmlns='http://jabber.org/protocol/commands' node='register-push-fcm' action='execute'><x "
      "xmlns='jabber:x:data' type='submit'><field var='token'><value>fcm-token-renewed</value></field>"
      "<field var='device-id'><value>d1</value></field></x></command></iq>");
  ASSERT_EQ(error_of(reply), "result");
  EXPECT_EQ(publish_for(reg), "result");
  ASSERT_EQ(provider_.sent.size(), 2u);
  EXPECT_EQ(provider_.sent.back().device.token, "fcm-token-renewed");
}

TEST_F(AppServerCacheTest, AnUnregisteredDeviceIsRefusedAtOnce) {
  const auto reg = register_device();
  EXPECT_EQ(publish_for(reg), "result");
  EXPECT_EQ(error_of(exchange(unregister_d1_)), "result");
  EXPECT_EQ(publish_for(reg), "cancel/item-not-found");
  EXPECT_EQ(provider_.sent.size(), 1u);
}

TEST_F(AppServerCacheTest, AChangeByAnotherInstanceIsSeenWhenTheEntryExpires) {
  const auto reg = register_device();
  EXPECT_EQ(publish_for(reg), "result");
  // Another instance, on the same database, unregisters the device.
  auto other = store::SqliteStore::open(dir_.file("x.db"));
  ASSERT_TRUE(other);
  ASSERT_TRUE(*(*other)->remove_registration("alice@localhost", "d1", ""));
  clock_.now += 9s;
  EXPECT_EQ(publish_for(reg), "result");  // still trusted: at most the cache's 10 s
  clock_.now += 1s;
  EXPECT_EQ(publish_for(reg), "cancel/item-not-found");
}

TEST_F(AppServerCacheTest, ADeadTokenIsRefusedAtOnce) {
  const auto reg = register_device();
  provider_.answer = {.outcome = push::Outcome::kTokenInvalid, .status = 410, .reason = "Unregistered"};
  EXPECT_EQ(publish_for(reg), "result");
  settle();  // the provider's answer, and the registration disabled in the store
  EXPECT_EQ(publish_for(reg), "cancel/item-not-found");
  EXPECT_EQ(provider_.sent.size(), 1u);
}

}  // namespace
}  // namespace xpush
