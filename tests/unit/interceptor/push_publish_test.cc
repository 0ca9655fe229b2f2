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
