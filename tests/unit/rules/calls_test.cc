// XEP-0353 calls: a <propose/> rings, its <retract/> and the other endings
// stop it; the built-in rules make the first a call push and the others a
// passive notice that replaces it.
#include <gtest/gtest.h>

#include "rules/event_facts.h"
#include "tests/unit/rules/rules_test_util.h"

namespace xpush::rules {
namespace {

using testing::builtin_decision;
using testing::parse_stanza;
using testing::stanza_event;

std::string jmi(const std::string& inner) {
  return "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat'"
         " id='m-" + std::to_string(inner.size()) + "'>" + inner + "<store xmlns='urn:xmpp:hints'/></message>";
}

const std::string kPropose = jmi(
    "<propose xmlns='urn:xmpp:jingle-message:0' id='call-1'><description xmlns='urn:xmpp:jingle:apps:rtp:1'"
    " media='video'/></propose>");
const std::string kRetract = jmi("<retract xmlns='urn:xmpp:jingle-message:0' id='call-1'/>");
const std::string kFinish = jmi("<finish xmlns='urn:xmpp:jingle-message:0' id='call-1'><reason"
                                " xmlns='urn:xmpp:jingle:1'><success/></reason></finish>");

TEST(Calls, AProposeRingsAndItsEndingsNameTheSameCall) {
  const auto ring = stanza_event(parse_stanza(kPropose));
  const EventFacts facts{ring};
  EXPECT_EQ(facts.kind(), "call");
  EXPECT_EQ(facts.refers_to(), "call-1");
  EXPECT_EQ(facts.call_media(), "video");
  EXPECT_FALSE(facts.counts_as_unread());
  for (const auto& end : {kRetract, kFinish, jmi("<reject xmlns='urn:xmpp:jingle-message:0' id='call-1'/>"),
                          jmi("<accept xmlns='urn:xmpp:jingle-message:0' id='call-1'/>"),
                          jmi("<proceed xmlns='urn:xmpp:jingle-message:0' id='call-1'/>")}) {
    const auto event = stanza_event(parse_stanza(end));
    const EventFacts ended{event};
    EXPECT_EQ(ended.kind(), "call-ended") << end;
    EXPECT_EQ(ended.refers_to(), "call-1");
    EXPECT_EQ(ended.message_tag(), facts.message_tag());
  }
  EXPECT_EQ(facts.message_tag().rfind("call-", 0), 0u);
}

TEST(Calls, TheBuiltInRulesRingThenReplaceTheRingingWithANotice) {
  const auto ring = builtin_decision(kPropose);
  EXPECT_EQ(ring.rule, "builtin:call");
  EXPECT_EQ(ring.action, Action::kVoip);
  EXPECT_EQ(ring.ttl, std::chrono::seconds{60});
  EXPECT_EQ(ring.apns.title, "Incoming call");
  EXPECT_EQ(ring.apns.interruption_level, "time-sensitive");
  ASSERT_TRUE(ring.call);
  EXPECT_EQ(ring.call->id, "call-1");
  EXPECT_FALSE(ring.call->ended);
  EXPECT_EQ(ring.call->media, "video");

  const auto missed = builtin_decision(kRetract);
  EXPECT_EQ(missed.rule, "builtin:missed-call");
  EXPECT_EQ(missed.action, Action::kAlert);
  EXPECT_EQ(missed.apns.title, "Missed call");
  EXPECT_EQ(missed.apns.interruption_level, "passive");
  EXPECT_EQ(missed.tag, ring.tag);
  ASSERT_TRUE(missed.call);
  EXPECT_TRUE(missed.call->ended);

  const auto ended = builtin_decision(kFinish);
  EXPECT_EQ(ended.rule, "builtin:call-ended");
  EXPECT_EQ(ended.apns.title, "Call ended");
  EXPECT_EQ(ended.tag, ring.tag);
}

TEST(Calls, RulesCanMatchThem) {
  const auto rules = testing::load_or_fail(R"yaml(version: 1
rules:
  - name: ring
    match: { kind: call }
    action: voip
    alert: { title: "{{from_local}} is calling ({{kind}})" }
  - name: hung-up
    match: { kind: [call-ended] }
    action: silent
)yaml");
  ASSERT_TRUE(rules);
  const auto ring = rules->evaluate(stanza_event(parse_stanza(kPropose)), testing::noon());
  EXPECT_EQ(ring.rule, "ring");
  EXPECT_EQ(ring.fcm.title, "bob is calling (call)");
  EXPECT_EQ(rules->evaluate(stanza_event(parse_stanza(kRetract)), testing::noon()).rule, "hung-up");
}

}  // namespace
}  // namespace xpush::rules
