#include "interceptor/element.h"

#include <gtest/gtest.h>

#include "interceptor/iq.h"
#include "tests/unit/interceptor/test_util.h"

namespace xpush::interceptor {
namespace {

TEST(Element, SerializeEscapesTextAndAttributes) {
  Element e{ns::kComponent, "message"};
  e.set_attr("to", "a'b\"<c>&");
  e.add(ns::kComponent, "body").add_text("1 < 2 & 3 > 2");
  EXPECT_EQ(serialize(e),
            "<message to='a&apos;b&quot;&lt;c&gt;&amp;'><body>1 &lt; 2 &amp; 3 &gt; 2</body></message>");
}

TEST(Element, WhatWeWriteIsAlwaysXml) {
  Element e{ns::kComponent, "message"};
  e.set_attr("to", "a\x01" "b");
  e.add(ns::kComponent, "body").add_text("bell \x07, broken \xC3\x28, fine \xE2\x9C\x89");
  const std::string xml = serialize(e);
  EXPECT_EQ(xml, "<message to='a\xEF\xBF\xBD" "b'><body>bell \xEF\xBF\xBD, broken \xEF\xBF\xBD(, "
                 "fine \xE2\x9C\x89</body></message>");
  EXPECT_EQ(serialize(testing::parse_stanza(xml)), xml);  // and our own parser accepts it
}

TEST(Element, RoundTripThroughTheParser) {
  const std::string xml =
      "<iq type='set' id='x' xml:lang='en'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
      "<publish node='a&amp;b'><item>mixed <b>content</b> kept</item></publish></pubsub></iq>";
  EXPECT_EQ(serialize(testing::parse_stanza(xml)), xml);
}

TEST(Iq, ErrorReplySwapsAddressesAndNamesTheCondition) {
  const Element request = testing::parse_stanza(
      "<iq type='set' id='42' from='localhost' to='push.localhost'><pubsub "
      "xmlns='http://jabber.org/protocol/pubsub'/></iq>");
  EXPECT_EQ(serialize(iq_error(request, ErrorType::kCancel, "item-not-found")),
            "<iq type='error' id='42' from='push.localhost' to='localhost'><error type='cancel'>"
            "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
}

TEST(Iq, Classify) {
  struct Case {
    std::string xml;
    StanzaKind kind;
  };
  const std::vector<Case> cases = {
      {"<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>", StanzaKind::kPing},
      {"<iq type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>", StanzaKind::kDiscoInfo},
      {"<iq type='get'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>", StanzaKind::kDiscoItems},
      {"<iq type='set'><command xmlns='http://jabber.org/protocol/commands'/></iq>", StanzaKind::kCommand},
      {"<iq type='get'><vCard xmlns='vcard-temp'/></iq>", StanzaKind::kOtherRequest},
      {"<iq type='set'><ping xmlns='urn:xmpp:ping'/></iq>", StanzaKind::kOtherRequest},
      {"<iq type='result'/>", StanzaKind::kResponse},
      {"<iq type='error'/>", StanzaKind::kResponse},
      {"<message/>", StanzaKind::kMessage},
      {"<presence/>", StanzaKind::kPresence},
      {"<iq type='bogus'/>", StanzaKind::kUnknown},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.xml);
    EXPECT_EQ(classify(testing::parse_stanza(c.xml)), c.kind);
  }
}

TEST(Iq, DiscoInfoIdentifiesAPushService) {
  const Element reply = disco_info_result(testing::parse_stanza(
      "<iq type='get' id='d' from='a@b/c' to='push.b'><query "
      "xmlns='http://jabber.org/protocol/disco#info'/></iq>"));
  const Element* query = reply.child("query", ns::kDiscoInfo);
  ASSERT_NE(query, nullptr);
  const Element* identity = query->child("identity", ns::kDiscoInfo);
  ASSERT_NE(identity, nullptr);
  EXPECT_EQ(identity->attr_or("category"), "pubsub");
  EXPECT_EQ(identity->attr_or("type"), "push");
  bool push_feature = false;
  for (const auto* f : query->children_named("feature", ns::kDiscoInfo)) {
    push_feature |= f->attr_or("var") == ns::kPush;
  }
  EXPECT_TRUE(push_feature);
}

}  // namespace
}  // namespace xpush::interceptor
