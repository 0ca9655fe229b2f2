// What counts toward the badge: messages a person would call unread, from
// the captured stanzas and publishes.
#include <gtest/gtest.h>

#include "rules/event_facts.h"
#include "tests/unit/rules/rules_test_util.h"

namespace xpush::rules {
namespace {

using interceptor::testing::fixture;
using testing::parse_stanza;
using testing::stanza_event;
using testing::summary_event;

bool counts(const interceptor::OfflineEvent& e) { return EventFacts{e}.counts_as_unread(); }
bool counts(const std::string& stanza) { return counts(stanza_event(parse_stanza(stanza))); }

TEST(Unread, MessagesWithABodyOrAnEncryptedPayloadCount) {
  EXPECT_TRUE(counts(stanza_event(fixture("messages/plain-chat.xml"))));
  EXPECT_TRUE(counts(stanza_event(fixture("messages/omemo-with-fallback.xml"))));
  EXPECT_TRUE(counts("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'>"
                     "<encrypted xmlns='urn:xmpp:omemo:2'><payload>AAAA</payload></encrypted></message>"));
  EXPECT_TRUE(counts("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org'>"
                     "<openpgp xmlns='urn:xmpp:openpgp:0'>AAAA</openpgp></message>"));
  EXPECT_TRUE(counts("<message xmlns='jabber:client' from='room@muc.example.org/bob' to='alice@example.org'"
                     " type='groupchat'><body>hi all</body></message>"));
}

TEST(Unread, SignalsWithoutABodyDoNot) {
  EXPECT_FALSE(counts(stanza_event(fixture("messages/receipt-only.xml"))));
  EXPECT_FALSE(counts(stanza_event(fixture("messages/chat-state-only.xml"))));
  EXPECT_FALSE(counts("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'>"
                      "<displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>"));
  EXPECT_FALSE(counts("<message xmlns='jabber:client' from='room@muc.example.org/bob' to='alice@example.org'"
                      " type='groupchat'><subject>Plans</subject></message>"));
  EXPECT_FALSE(counts("<message xmlns='jabber:client' from='news.example.org' to='alice@example.org'"
                      " type='headline'><body>Breaking</body></message>"));
}

TEST(Unread, AnEditOrARetractionIsNotASecondMessage) {
  EXPECT_FALSE(counts("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'"
                      " id='m2'><body>Lunch at 1?</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/>"
                      "</message>"));
  EXPECT_FALSE(counts("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'"
                      " id='m3'><body>This person attempted to retract a previous message</body>"
                      "<retract xmlns='urn:xmpp:message-retract:1' id='m1'/></message>"));
}

TEST(Unread, ASummaryCountsWhenTheServerFilledItsBody) {
  EXPECT_TRUE(counts(summary_event(fixture("xep0357/prosody-0.12-default.xml"))));
  EXPECT_TRUE(counts(summary_event(fixture("xep0357/ejabberd-23.01-default.xml"))));
  // What both servers publish for a receipt or a chat state: no body.
  auto receipt = summary_event(fixture("xep0357/prosody-0.12-default.xml"));
  receipt.summary.last_message_body.clear();
  EXPECT_FALSE(counts(receipt));
}

}  // namespace
}  // namespace xpush::rules
