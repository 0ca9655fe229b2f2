// Tigase clients (SiskinIM, Stork): they find the push service by its disco
// identity and provider feature, register with register-device and get a
// node but no secret; their server publishes without one.
#include <gtest/gtest.h>

#include "tests/unit/engine/app_server_fixture.h"

namespace xpush {
namespace {

using interceptor::Element;
using test_util::AppServerTest;

class AppServerTigase : public AppServerTest {
 protected:
  const Element* tigase(const std::string& command, const std::string& fields) {
    return exchange("<iq type='set' id='t' from='alice@localhost/siskin' to='push.localhost'><command"
                    " xmlns='http://jabber.org/protocol/commands' node='" + command + "' action='execute'>"
                    "<x xmlns='jabber:x:data' type='submit'>" + fields + "</x></command></iq>");
  }
  static std::string field(const std::string& var, const std::string& value) {
    return "<field var='" + var + "'><value>" + value + "</value></field>";
  }
};

TEST_F(AppServerTigase, SiskinFindsRegistersAndIsPushedWithoutASecret) {
  const Element* info = exchange("<iq type='get' id='d' from='alice@localhost/siskin' to='push.localhost'>"
                                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  ASSERT_TRUE(info);
  std::vector<std::string> features;
  const auto* query = info->child("query", "http://jabber.org/protocol/disco#info");
  ASSERT_TRUE(query);
  for (const auto& c : query->children()) {
    if (!c.is_text() && c.name() == "feature") features.emplace_back(c.attr_or("var"));
  }
  for (const auto* needed : {"urn:xmpp:push:0", "tigase:messenger:apns:1", "fcm-xmpp-api"}) {
    EXPECT_NE(std::find(features.begin(), features.end(), needed), features.end()) << needed;
  }

  const Element* reply = tigase("register-device", field("provider", "tigase:messenger:apns:1") +
                                                       field("device-token", "a1b2c3") +
                                                       field("device-second-token", "d4e5f6"));
  ASSERT_TRUE(reply);
  ASSERT_EQ(reply->attr_or("type"), "result");
  const auto form = interceptor::DataForm::parse(
      *reply->child("command", interceptor::ns::kCommands)->child("x", interceptor::ns::kDataForms));
  const std::string node{form.value_or("node")};
  EXPECT_GE(node.size(), 16u);
  EXPECT_FALSE(form.value("secret"));

  // The server publishes with no publish-options at all.
  ASSERT_EQ(error_of(exchange(publish("localhost", node, "", summary_with_body("New message")))), "result");
  settle();
  ASSERT_EQ(provider_.sent.size(), 1u);
  EXPECT_EQ(provider_.sent[0].device.token, "a1b2c3");
  // Another server may not.
  EXPECT_EQ(error_of(exchange(publish("evil.example", node, "", summary_with_body("x")))), "cancel/item-not-found");

  ASSERT_EQ(tigase("unregister-device", field("provider", "tigase:messenger:apns:1") +
                                            field("device-token", "a1b2c3"))->attr_or("type"),
            "result");
  EXPECT_EQ(error_of(exchange(publish("localhost", node, "", summary_with_body("x")))), "cancel/item-not-found");
}

TEST_F(AppServerTigase, ACallFromATigaseServerRingsThroughPushKitWithItsSealedPayload) {
  const Element* reply = tigase("register-device", field("provider", "tigase:messenger:apns:1") +
                                                       field("device-token", "a1b2c3") +
                                                       field("device-second-token", "d4e5f6"));
  ASSERT_TRUE(reply);
  const auto node = std::string{interceptor::DataForm::parse(*reply->child("command", interceptor::ns::kCommands)
                                                                  ->child("x", interceptor::ns::kDataForms))
                                    .value_or("node")};
  const std::string ring =
      "<priority xmlns='tigase:push:priority:0'>high</priority><jingle xmlns='tigase:push:jingle:0'"
      " action='propose' sid='call-9'><media>audio</media></jingle><encrypted xmlns='tigase:push:encrypt:0'"
      " iv='aXY=' type='voip'>c2VhbGVk</encrypted>";
  ASSERT_EQ(error_of(exchange(publish("localhost", node, "", ring))), "result");
  settle();
  ASSERT_EQ(provider_.sent.size(), 1u);
  const auto call = provider_.sent[0];
  EXPECT_EQ(call.kind, push::Kind::kVoip);
  EXPECT_EQ(call.device.token, "d4e5f6");
  EXPECT_EQ(call.data, (std::map<std::string, std::string>{{"event", "call"}, {"call_id", "call-9"},
                                                           {"media", "audio"}, {"encrypted", "c2VhbGVk"},
                                                           {"iv", "aXY="}}));
  // A message: the sealed payload on an alert with neutral text, to the alert token.
  ASSERT_EQ(error_of(exchange(publish("localhost", node, "",
                                      "<encrypted xmlns='tigase:push:encrypt:0' iv='aXY='>bWVzc2FnZQ==</encrypted>"))),
            "result");
  settle();
  ASSERT_EQ(provider_.sent.size(), 2u);
  const auto message = provider_.sent[1];
  EXPECT_EQ(message.kind, push::Kind::kAlert);
  EXPECT_EQ(message.device.token, "a1b2c3");
  EXPECT_EQ(message.title, "New message");
  EXPECT_EQ(message.data.at("encrypted"), "bWVzc2FnZQ==");
}

}  // namespace
}  // namespace xpush
