// Calls through the forwarding hook: a XEP-0353 propose rings each device
// (PushKit where the Apple device gave a VoIP token), its retract replaces
// the ringing with a notice.
#include <gtest/gtest.h>

#include "tests/unit/engine/app_server_fixture.h"

namespace xpush {
namespace {

using test_util::AppServerTest;

std::string jmi(const std::string& id, const std::string& inner) {
  return "<message from='localhost' to='push.localhost'><forwarded xmlns='urn:xmpp:forward:0'>"
         "<message xmlns='jabber:client' from='bob@localhost/pc' to='alice@localhost' type='chat' id='" + id + "'>" +
         inner + "</message></forwarded></message>";
}
const std::string kPropose = jmi("p1", "<propose xmlns='urn:xmpp:jingle-message:0' id='call-7'><description"
                                       " xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose>");
const std::string kRetract = jmi("r1", "<retract xmlns='urn:xmpp:jingle-message:0' id='call-7'/>");

class AppServerCalls : public AppServerTest {
 protected:
  void register_iphone(const std::string& device, const std::string& voip_field) {
    const auto* reply = exchange(
        "<iq type='set' id='r' from='alice@localhost/" + device + "' to='push.localhost'><command"
        " xmlns='http://jabber.org/protocol/commands' node='register-push-apns' action='execute'>"
        "<x xmlns='jabber:x:data' type='submit'><field var='token'><value>0a0b0" + std::to_string(device.size()) +
        "</value></field><field var='device-id'><value>" + device + "</value></field>" + voip_field +
        "</x></command></iq>");
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->attr_or("type"), "result");
  }
  const push::Notification& sent_to(const std::string& token_prefix, std::size_t nth = 0) {
    for (const auto& n : provider_.sent) {
      if (n.device.token.rfind(token_prefix, 0) == 0 && nth-- == 0) return n;
    }
    ADD_FAILURE() << "nothing sent to " << token_prefix;
    static const push::Notification none;
    return none;
  }
};

TEST_F(AppServerCalls, AProposeRingsEachDeviceAsItCanAndTheRetractReplacesIt) {
  register_iphone("iphone", "<field var='voip-token'><value>ffee01</value></field>");
  register_iphone("ipad", "");
  register_device("alice@localhost/pixel", "fcm", "pixel");
  deliver(kPropose, [this] { return provider_.sent.size() == 3; });
  ASSERT_EQ(provider_.sent.size(), 3u);

  const auto pushkit = sent_to("ffee01");  // the iPhone's VoIP token, not its alert token
  EXPECT_EQ(pushkit.kind, push::Kind::kVoip);
  EXPECT_EQ(pushkit.title, "Incoming call");
  EXPECT_EQ(pushkit.ttl, std::chrono::seconds{60});
  EXPECT_EQ(pushkit.data, (std::map<std::string, std::string>{{"event", "call"}, {"call_id", "call-7"},
                                                              {"media", "audio"}}));
  const auto ipad = sent_to("0a0b04");  // no VoIP token: a time-sensitive alert
  EXPECT_EQ(ipad.kind, push::Kind::kAlert);
  EXPECT_EQ(ipad.interruption_level, "time-sensitive");
  const auto pixel = sent_to("fcm-token-pixel");
  EXPECT_EQ(pixel.kind, push::Kind::kVoip);
  ASSERT_TRUE(pixel.call);
  EXPECT_EQ(pixel.call->id, "call-7");

  deliver(kRetract, [this] { return provider_.sent.size() == 6; });
  ASSERT_EQ(provider_.sent.size(), 6u);
  const auto missed = sent_to("0a0b06");  // the iPhone's alert token: a notice, not a call
  EXPECT_EQ(missed.kind, push::Kind::kAlert);
  EXPECT_EQ(missed.title, "Missed call");
  EXPECT_EQ(missed.tag, ipad.tag);
  EXPECT_EQ(sent_to("0a0b04", 1).tag, ipad.tag);  // replaces the iPad's ringing alert
  EXPECT_EQ(sent_to("fcm-token-pixel", 1).data.at("event"), "call-ended");
  EXPECT_EQ(app_.counters().notifications, 6u);
}

}  // namespace
}  // namespace xpush
