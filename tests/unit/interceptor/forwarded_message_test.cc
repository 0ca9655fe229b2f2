#include "interceptor/forwarded_message.h"

#include <gtest/gtest.h>

#include "tests/unit/interceptor/test_util.h"

namespace xpush::interceptor {
namespace {

using testing::parse_stanza;

std::string wrap(const std::string& inner, const std::string& from = "example.org") {
  return "<message from='" + from + "' to='push.example.org'><forwarded xmlns='urn:xmpp:forward:0'>"
         "<delay xmlns='urn:xmpp:delay' stamp='2026-11-22T08:00:00Z'/>" + inner + "</forwarded></message>";
}

TEST(ForwardedMessage, CarriesTheWholeStanzaAndWhoItIsFor) {
  const auto f = parse_forwarded_message(parse_stanza(wrap(
      "<message xmlns='jabber:client' from='bob@example.org/pc' to='alice@example.org/phone' id='m1'>"
      "<body>hi</body><x xmlns='urn:example:custom'><y>1</y></x></message>")));
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ(f->server_domain, "example.org");
  EXPECT_EQ(f->recipient, "alice@example.org");  // bare, also for a hibernated session's full JID
  EXPECT_EQ(f->delay_stamp, "2026-11-22T08:00:00Z");
  EXPECT_EQ(f->message_key, "alice@example.org bob@example.org id m1");
  EXPECT_EQ(f->message.child_text("body", "jabber:client"), "hi");
  EXPECT_TRUE(f->message.child("x", "urn:example:custom"));
}

TEST(ForwardedMessage, OriginIdWinsOverTheIdAttribute) {
  const auto f = parse_forwarded_message(parse_stanza(wrap(
      "<message xmlns='jabber:client' from='bob@example.org/pc' to='alice@example.org' id='m1'>"
      "<origin-id xmlns='urn:xmpp:sid:0' id='o-7'/></message>")));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->message_key, "alice@example.org bob@example.org origin o-7");
}

TEST(ForwardedMessage, RefusesWhatAServerWouldNotSend) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {wrap("<message xmlns='jabber:client' to='alice@example.org'/>", "bob@example.org"),
       "not sent by a server domain"},
      {wrap("<message xmlns='jabber:client' to='alice@other.org'/>"), "a message for other.org forwarded by example.org"},
      {wrap("<message xmlns='jabber:client' to='example.org'/>"), "the forwarded message has no user to"},
      {wrap(""), "<forwarded/> holds no <message/>"},
  };
  for (const auto& [xml, reason] : cases) {
    const auto f = parse_forwarded_message(parse_stanza(xml));
    ASSERT_FALSE(f) << xml;
    EXPECT_EQ(f.error(), reason);
  }
}

}  // namespace
}  // namespace xpush::interceptor
