#include "interceptor/registration_command.h"

#include <gtest/gtest.h>

#include "tests/unit/interceptor/test_util.h"

namespace xpush::interceptor {
namespace {

using testing::parse_stanza;

std::string command(const std::string& node, const std::string& fields,
                    const std::string& from = "alice@example.org/phone") {
  return "<iq type='set' id='c1' from='" + from +
         "' to='push.example.org'><command xmlns='http://jabber.org/protocol/commands' node='" +
         node + "' action='execute'><x xmlns='jabber:x:data' type='submit'>" + fields +
         "</x></command></iq>";
}

std::string field(const std::string& var, const std::string& value) {
  return "<field var='" + var + "'><value>" + value + "</value></field>";
}

TEST(RegistrationCommand, ConversationsFcm) {
  auto c = parse_registration_command(parse_stanza(
      command("register-push-fcm", field("token", "fcm:TOKEN-1") + field("android-id", "a1b2"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->kind, CommandKind::kRegister);
  EXPECT_EQ(c->dialect, CommandDialect::kP2);
  EXPECT_EQ(c->service, PushService::kFcm);
  EXPECT_EQ(c->account, "alice@example.org");
  EXPECT_EQ(c->domain, "example.org");
  EXPECT_EQ(c->device_id, "a1b2");
  EXPECT_EQ(c->token, "fcm:TOKEN-1");
  EXPECT_EQ(c->muc, "");
}

TEST(RegistrationCommand, ApnsTokenIsHexAndLowerCased) {
  auto c = parse_registration_command(parse_stanza(command(
      "register-push-apns", field("token", "ABCDEF0123") + field("device-id", "d") +
                                field("muc", "Room@Conference.example.org"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->service, PushService::kApns);
  EXPECT_EQ(c->token, "abcdef0123");
  EXPECT_EQ(c->muc, "room@conference.example.org");
}

TEST(RegistrationCommand, AnAppleDeviceMayAddItsVoipToken) {
  auto c = parse_registration_command(parse_stanza(command(
      "register-push-apns", field("token", "00ff") + field("device-id", "d") + field("voip-token", "ABCD01"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->voip_token, "abcd01");
  auto not_hex = parse_registration_command(parse_stanza(command(
      "register-push-apns", field("token", "00ff") + field("device-id", "d") + field("voip-token", "xyz"))));
  ASSERT_FALSE(not_hex);
  EXPECT_EQ(not_hex.error().condition, "bad-request");
  auto not_apple = parse_registration_command(parse_stanza(command(
      "register-push-fcm", field("token", "fcm:T") + field("device-id", "d") + field("voip-token", "abcd"))));
  ASSERT_FALSE(not_apple);
  EXPECT_EQ(not_apple.error().text, "voip-token is for APNs devices");
}

TEST(RegistrationCommand, TigaseClientsRegisterAProviderAndTheirTokens) {
  // As SiskinIM sends it: the APNs token and its PushKit token.
  auto siskin = parse_registration_command(parse_stanza(command(
      "register-device", field("provider", "tigase:messenger:apns:1") + field("device-token", "AB12") +
                             field("device-second-token", "CD34"))));
  ASSERT_TRUE(siskin) << siskin.error().text;
  EXPECT_EQ(siskin->dialect, CommandDialect::kTigase);
  EXPECT_EQ(siskin->service, PushService::kApns);
  EXPECT_EQ(siskin->token, "ab12");
  EXPECT_EQ(siskin->voip_token, "cd34");
  EXPECT_EQ(siskin->device_id.rfind("tigase-", 0), 0u);
  EXPECT_EQ(siskin->device_id.find("ab12"), std::string::npos);  // the token is not its name
  // As Stork sends it.
  auto stork = parse_registration_command(parse_stanza(
      command("register-device", field("provider", "fcm-xmpp-api") + field("device-token", "fcm:T-1"))));
  ASSERT_TRUE(stork) << stork.error().text;
  EXPECT_EQ(stork->service, PushService::kFcm);
  EXPECT_EQ(stork->voip_token, "");
  // Unregistering names the same device.
  auto gone = parse_registration_command(parse_stanza(command(
      "unregister-device", field("provider", "tigase:messenger:apns:1") + field("device-token", "ab12"))));
  ASSERT_TRUE(gone) << gone.error().text;
  EXPECT_EQ(gone->kind, CommandKind::kUnregister);
  EXPECT_EQ(gone->device_id, siskin->device_id);
  auto unknown = parse_registration_command(parse_stanza(
      command("register-device", field("provider", "carrier-pigeon") + field("device-token", "x"))));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().condition, "bad-request");
}

TEST(RegistrationCommand, OptionalAppField) {
  auto c = parse_registration_command(parse_stanza(command(
      "register-push-apns", field("token", "00ff") + field("device-id", "d") + field("app", "work"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->app, "work");
  auto bad = parse_registration_command(parse_stanza(command(
      "register-push-apns", field("token", "00ff") + field("device-id", "d") + field("app", "a b"))));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().condition, "bad-request");
}

TEST(RegistrationCommand, WebPushSubscription) {
  const std::string endpoint = "https://updates.push.services.mozilla.com/wpush/v2/gAAAA?x=1&amp;y=2";
  auto c = parse_registration_command(parse_stanza(command(
      "register-push-webpush", field("endpoint", endpoint) + field("p256dh", "BCVx") + field("auth", "BTBZ") +
                                   field("device-id", "firefox-1"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->service, PushService::kWebPush);
  EXPECT_EQ(c->webpush.endpoint, "https://updates.push.services.mozilla.com/wpush/v2/gAAAA?x=1&y=2");
  EXPECT_EQ(c->webpush.p256dh, "BCVx");
  EXPECT_EQ(c->webpush.auth, "BTBZ");
  EXPECT_EQ(c->device_id, "firefox-1");
  auto missing = parse_registration_command(parse_stanza(
      command("register-push-webpush", field("endpoint", "https://x/") + field("device-id", "d"))));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().text, "endpoint, p256dh and auth are required");
  auto off = parse_registration_command(parse_stanza(command("unregister-push-webpush", field("device-id", "d"))));
  ASSERT_TRUE(off) << off.error().text;
  EXPECT_EQ(off->kind, CommandKind::kUnregister);
}

TEST(RegistrationCommand, WebhookDeviceWithAnOpaqueToken) {
  auto c = parse_registration_command(parse_stanza(
      command("register-push-webhook", field("token", "jpush:1a0018970a") + field("device-id", "mi-9"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->service, PushService::kWebhook);
  EXPECT_EQ(c->token, "jpush:1a0018970a");
  auto spaced = parse_registration_command(parse_stanza(
      command("register-push-webhook", field("token", "a b") + field("device-id", "d"))));
  ASSERT_FALSE(spaced);
  EXPECT_EQ(spaced.error().text, "a token is printable ASCII");
}

TEST(RegistrationCommand, VendorDevicesEachHaveTheirCommand) {
  for (const auto& [name, service] : std::vector<std::pair<std::string, PushService>>{
           {"hms", PushService::kHms}, {"honor", PushService::kHonor}, {"xiaomi", PushService::kXiaomi},
           {"oppo", PushService::kOppo}, {"vivo", PushService::kVivo}}) {
    auto c = parse_registration_command(parse_stanza(
        command("register-push-" + name, field("token", "reg/id+1") + field("device-id", "phone") + field("app", "chat"))));
    ASSERT_TRUE(c) << name << ": " << c.error().text;
    EXPECT_EQ(c->service, service);
    EXPECT_EQ(c->token, "reg/id+1");
    EXPECT_EQ(c->app, "chat");
    auto off = parse_registration_command(parse_stanza(command("unregister-push-" + name, field("device-id", "phone"))));
    ASSERT_TRUE(off) << name;
    EXPECT_EQ(off->kind, CommandKind::kUnregister);
  }
  auto v1 = parse_registration_command(parse_stanza(command(
      "v1-register-push", field("type", "xiaomi") + field("node", "n") + field("token", "t"))));
  ASSERT_TRUE(v1) << v1.error().text;
  EXPECT_EQ(v1->service, PushService::kXiaomi);
  auto v1_webhook = parse_registration_command(parse_stanza(command(
      "v1-register-push", field("type", "webhook") + field("node", "n") + field("token", "t"))));
  EXPECT_FALSE(v1_webhook);
}

TEST(RegistrationCommand, PushAppserverV1) {
  auto c = parse_registration_command(parse_stanza(command(
      "v1-register-push", field("type", "apns") + field("node", "stable-device-7") +
                              field("token", "00ff"))));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->dialect, CommandDialect::kAppserverV1);
  EXPECT_EQ(c->service, PushService::kApns);
  EXPECT_EQ(c->device_id, "stable-device-7");
}

TEST(RegistrationCommand, Unregister) {
  auto c = parse_registration_command(
      parse_stanza(command("unregister-push-fcm", field("device-id", "d"))));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, CommandKind::kUnregister);
  EXPECT_EQ(c->token, "");
}

TEST(RegistrationCommand, RefusalsSayWhy) {
  struct Case {
    const char* name;
    std::string xml;
    std::string condition;
  };
  const std::vector<Case> cases = {
      {"unknown command", command("register-push-carrier-pigeon", ""), "item-not-found"},
      {"from a server, not a client",
       command("register-push-fcm", field("token", "t") + field("device-id", "d"), "example.org"),
       "forbidden"},
      {"bare JID", command("register-push-fcm", field("token", "t") + field("device-id", "d"),
                           "alice@example.org"),
       "forbidden"},
      {"no token", command("register-push-fcm", field("device-id", "d")), "bad-request"},
      {"no device id", command("register-push-fcm", field("token", "t")), "bad-request"},
      {"APNs token not hex", command("register-push-apns", field("token", "xyz") + field("device-id", "d")),
       "bad-request"},
      {"APNs token odd length", command("register-push-apns", field("token", "abc") + field("device-id", "d")),
       "bad-request"},
      {"FCM token with a space", command("register-push-fcm", field("token", "a b") + field("device-id", "d")),
       "bad-request"},
      {"token too long",
       command("register-push-fcm", field("token", std::string(kMaxTokenBytes + 1, 'a')) +
                                        field("device-id", "d")),
       "bad-request"},
      {"muc with a resource",
       command("register-push-fcm", field("token", "t") + field("device-id", "d") +
                                        field("muc", "room@muc.example.org/nick")),
       "bad-request"},
      {"v1 unknown type", command("v1-register-push", field("type", "sms") + field("node", "n") + field("token", "t")),
       "bad-request"},
      {"no form",
       "<iq type='set' id='c' from='a@b/c'><command xmlns='http://jabber.org/protocol/commands' "
       "node='register-push-fcm'/></iq>",
       "bad-request"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_registration_command(parse_stanza(c.xml));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().condition, c.condition);
    EXPECT_FALSE(r.error().text.empty());
  }
}

TEST(RegistrationCommand, CompletedResultCarriesTheForm) {
  const Element request = parse_stanza(
      command("register-push-fcm", field("token", "t") + field("device-id", "d")));
  const Element reply = command_completed(request, {{"jid", "push.example.org"}, {"node", "N"}, {"secret", "S"}});
  EXPECT_EQ(serialize(reply),
            "<iq type='result' id='c1' from='push.example.org' to='alice@example.org/phone'>"
            "<command xmlns='http://jabber.org/protocol/commands' node='register-push-fcm' "
            "sessionid='c1' status='completed'><x xmlns='jabber:x:data' type='result'><field "
            "var='jid'><value>push.example.org</value></field><field var='node'><value>N</value>"
            "</field><field var='secret'><value>S</value></field></x></command></iq>");
}

}  // namespace
}  // namespace xpush::interceptor
