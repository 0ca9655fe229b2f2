// One account must not multiply the operator's pushes: the device cap, one
// registration per token, the registration rate limit, and the ceiling on
// notifications from one message.
#include "tests/unit/engine/app_server_fixture.h"

namespace xpush {
namespace {

using test_util::AppServerTest;
using interceptor::Element;

std::chrono::steady_clock::time_point fake_now{};

AppServerOptions limited() {
  AppServerOptions o{"push.localhost", {"localhost"}};
  o.limits.devices_per_account = 3;
  o.limits.notifications_per_event = 2;
  o.limits.registration_burst = 6;
  o.limits.registration_refill = std::chrono::seconds{6};
  o.steady_clock = [] { return fake_now; };
  return o;
}

class AppServerLimitsTest : public AppServerTest {
 protected:
  AppServerLimitsTest() : AppServerTest(limited()) { fake_now = {}; }

  const Element* register_token(const std::string& device, const std::string& token,
                                const std::string& from = "mallory@localhost/x") {
    return exchange("<iq type='set' id='r' from='" + from +
                    "' to='push.localhost'><command xmlns='http://jabber.org/protocol/commands' "
                    "node='register-push-fcm' action='execute'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='token'><value>" + token + "</value></field><field var='device-id'><value>" +
                    device + "</value></field></x></command></iq>");
  }
  static std::string node_of(const Element* reply) {
    const auto form = interceptor::DataForm::parse(
        *reply->child("command", interceptor::ns::kCommands)->child("x", interceptor::ns::kDataForms));
    return std::string{form.value_or("node")};
  }
  static std::string text_of(const Element* reply) {
    const Element* e = reply->child("error", interceptor::ns::kComponent);
    const Element* t = e ? e->child("text", interceptor::ns::kStanzaErrors) : nullptr;
    return t ? t->text() : "";
  }
};

TEST_F(AppServerLimitsTest, AnAccountMayRegisterOnlySoManyDevices) {
  for (const char* d : {"d1", "d2", "d3"}) {
    EXPECT_EQ(error_of(register_token(d, std::string{"token-"} + d)), "result") << d;
  }
  const Element* fourth = register_token("d4", "token-d4");
  EXPECT_EQ(error_of(fourth), "cancel/not-allowed");
  EXPECT_EQ(text_of(fourth), "this account has 3 devices registered, the most allowed; unregister one first");
  EXPECT_EQ(app_.counters().registrations_over_cap, 1u);
  // A device already registered may always register again, even with a new token.
  EXPECT_EQ(error_of(register_token("d2", "token-d2-new")), "result");
  // Another account is not affected.
  EXPECT_EQ(error_of(register_token("d1", "token-x", "alice@localhost/phone")), "result");
}

TEST_F(AppServerLimitsTest, OneTokenRegisteredUnderManyDeviceIdsIsOneRegistration) {
  const std::string first = node_of(register_token("d1", "same-token"));
  std::string last;
  for (int i = 2; i <= 5; ++i) {
    fake_now += std::chrono::seconds{6};
    const Element* reply = register_token("d" + std::to_string(i), "same-token");
    ASSERT_EQ(error_of(reply), "result") << i;
    last = node_of(reply);
  }
  EXPECT_NE(first, last);
  EXPECT_EQ(app_.counters().registrations_superseded, 4u);
  // Never over the cap of 3: it is one device.
  EXPECT_EQ(app_.counters().registrations_over_cap, 0u);
  // A message to the account is one notification to that phone.
  deliver(forwarded("localhost", "<message xmlns='jabber:client' from='bob@localhost/pc' "
                                 "to='mallory@localhost' type='chat' id='m1'><body>hi</body></message>"),
          [this] { return !provider_.sent.empty(); });
  settle();
  ASSERT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(provider_.sent[0].node, last);
}

TEST_F(AppServerLimitsTest, RegistrationsArePacedPerAccount) {
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(error_of(register_token("d1", "token-" + std::to_string(i))), "result") << i;
  }
  const Element* seventh = register_token("d1", "token-7");
  EXPECT_EQ(error_of(seventh), "wait/resource-constraint");
  EXPECT_EQ(text_of(seventh), "too many registrations for this account; try again in a minute");
  EXPECT_EQ(app_.counters().registrations_rate_limited, 1u);
  EXPECT_EQ(error_of(register_token("d1", "token-a", "alice@localhost/phone")), "result");
  fake_now += std::chrono::seconds{6};
  EXPECT_EQ(error_of(register_token("d1", "token-8")), "result");
  EXPECT_EQ(error_of(register_token("d1", "token-9")), "wait/resource-constraint");
}

TEST_F(AppServerLimitsTest, OneMessageProducesAtMostTheCeilingOfNotifications) {
  for (const char* d : {"d1", "d2", "d3"}) ASSERT_EQ(error_of(register_token(d, std::string{"t-"} + d)), "result");
  deliver(forwarded("localhost", "<message xmlns='jabber:client' from='bob@localhost/pc' "
                                 "to='mallory@localhost' type='chat' id='m1'><body>hi</body></message>"),
          [this] { return provider_.sent.size() >= 2; });
  settle();
  EXPECT_EQ(provider_.sent.size(), 2u);
  EXPECT_EQ(app_.counters().notifications_over_ceiling, 1u);
}

TEST(KeyedRateLimiter, ForgetsIdleAccountsToStayBounded) {
  KeyedRateLimiter limiter{2, std::chrono::seconds{1}, 100};
  const std::chrono::steady_clock::time_point t0{};
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.take("a" + std::to_string(i), t0));
  EXPECT_FALSE(limiter.take("new", t0));  // 100 buckets, none idle long enough to forget
  EXPECT_TRUE(limiter.take("new", t0 + std::chrono::seconds{1}));
  EXPECT_EQ(limiter.keys(), 1u);
}

}  // namespace
}  // namespace xpush
