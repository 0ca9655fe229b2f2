#include "interceptor/push_publish.h"

#include <gtest/gtest.h>

#include "interceptor/iq.h"
#include "tests/unit/interceptor/test_util.h"

namespace xpush::interceptor {
namespace {

using testing::fixture;
using testing::parse_stanza;

TEST(PushPublish, ProsodyDefaultCapture) {
  const Element iq = fixture("xep0357/prosody-0.12-default.xml");
  EXPECT_EQ(classify(iq), StanzaKind::kPublish);
  auto p = parse_publish(iq);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->publisher, "localhost");
  EXPECT_EQ(p->node, "node-alice-1");
  EXPECT_EQ(p->secret, "sekrit-123");
  EXPECT_TRUE(p->summary.present);
  EXPECT_EQ(p->summary.message_count, "1");
  EXPECT_EQ(p->summary.pending_subscription_count, "");  // present but empty in Prosody's form
  EXPECT_EQ(p->summary.last_message_sender, "");
  EXPECT_EQ(p->summary.last_message_body, "New Message!");
}

TEST(PushPublish, EjabberdDefaultCapture) {
  const Element iq = fixture("xep0357/ejabberd-23.01-default.xml");
  EXPECT_EQ(classify(iq), StanzaKind::kPublish);
  auto p = parse_publish(iq);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->publisher, "localhost");
  EXPECT_EQ(p->node, "node-alice-1");
  EXPECT_EQ(p->secret, "sekrit-123");
  EXPECT_TRUE(p->summary.present);
  EXPECT_FALSE(p->summary.message_count);  // ejabberd sends none
  EXPECT_EQ(p->summary.last_message_body, "New message");
}

TEST(PushPublish, EjabberdBareNotificationHasNoSummary) {
  auto p = parse_publish(parse_stanza(
      "<iq to='push.localhost' from='localhost' type='set' id='rr-1'><pubsub "
      "xmlns='http://jabber.org/protocol/pubsub'><publish node='n1'><item><notification "
      "xmlns='urn:xmpp:push:0'/></item></publish><publish-options><x type='submit' "
      "xmlns='jabber:x:data'><field var='FORM_TYPE'><value>http://jabber.org/protocol/"
      "pubsub#publish-options</value></field><field var='secret'><value>s</value></field></x>"
      "</publish-options></pubsub></iq>"));
  ASSERT_TRUE(p) << p.error();
  EXPECT_FALSE(p->summary.present);
  EXPECT_EQ(p->summary.last_message_body, "");
  EXPECT_EQ(p->secret, "s");
}

TEST(PushPublish, WithoutPublishOptionsThereIsNoSecret) {
  auto p = parse_publish(parse_stanza(
      "<iq from='localhost' type='set' id='1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
      "<publish node='n'><item><notification xmlns='urn:xmpp:push:0'/></item></publish>"
      "</pubsub></iq>"));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->secret);
}

// What a Tigase server adds for its clients: priority, the call, and an
// encrypted payload in place of the summary.
const std::string kTigasePublish =
    "<iq type='set' id='t1' from='example.org' to='push.example.org'><pubsub"
    " xmlns='http://jabber.org/protocol/pubsub'><publish node='n1'><item><notification xmlns='urn:xmpp:push:0'>"
    "<priority xmlns='tigase:push:priority:0'>high</priority>"
    "<jingle xmlns='tigase:push:jingle:0' action='propose' sid='call-9'><media>audio</media><media>video</media>"
    "</jingle><encrypted xmlns='tigase:push:encrypt:0' iv='aXYxMjM0NTY3ODkw' type='voip'>c2VhbGVk</encrypted>"
    "</notification></item></publish></pubsub></iq>";

TEST(PushPublish, TigaseExtensions) {
  auto r = parse_publish(parse_stanza(kTigasePublish));
  ASSERT_TRUE(r) << r.error();
  EXPECT_FALSE(r->summary.present);
  EXPECT_FALSE(r->secret);
  EXPECT_EQ(r->summary.priority, "high");
  ASSERT_TRUE(r->summary.jingle);
  EXPECT_EQ(r->summary.jingle->action, "propose");
  EXPECT_EQ(r->summary.jingle->sid, "call-9");
  EXPECT_EQ(r->summary.jingle->media, (std::vector<std::string>{"audio", "video"}));
  ASSERT_TRUE(r->summary.encrypted);
  EXPECT_EQ(r->summary.encrypted->payload, "c2VhbGVk");
  EXPECT_EQ(r->summary.encrypted->iv, "aXYxMjM0NTY3ODkw");
  EXPECT_EQ(r->summary.encrypted->type, "voip");
  // A plain publish has none of them.
  auto plain = parse_publish(fixture("xep0357/prosody-0.12-default.xml"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->summary.priority, "");
  EXPECT_FALSE(plain->summary.jingle);
  EXPECT_FALSE(plain->summary.encrypted);
}

TEST(PushPublish, RefusesWhatIsNotAPushPublish) {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"no node", "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish>"
                  "<item><notification xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>"},
      {"no notification", "<iq type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                          "<publish node='n'><item/></publish></pubsub></iq>"},
      {"no pubsub", "<iq type='set'><query xmlns='jabber:iq:roster'/></iq>"},
  };
  for (const auto& [name, xml] : cases) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_publish(parse_stanza(xml)));
  }
}

}  // namespace
}  // namespace xpush::interceptor
