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

interceptor::OfflineEvent tigase_summary(const std::string& extensions) {
  return testing::summary_event(parse_stanza(
      "<iq type='set' id='t1' from='example.org' to='push.example.org'><pubsub"
      " xmlns='http://jabber.org/protocol/pubsub'><publish node='n1'><item><notification"
      " xmlns='urn:xmpp:push:0'>" + extensions + "</notification></item></publish></pubsub></iq>"));
}

TEST(Calls, ATigaseServerSaysWhichCallInItsSummary) {
  const auto ring = builtin_rules()->evaluate(
      tigase_summary("<jingle xmlns='tigase:push:jingle:0' action='propose' sid='call-9'><media>video</media>"
                     "</jingle><encrypted xmlns='tigase:push:encrypt:0' iv='aXY=' type='voip'>c2VhbGVk</encrypted>"),
      testing::noon());
  EXPECT_EQ(ring.rule, "builtin:call");
  EXPECT_EQ(ring.action, Action::kVoip);
  ASSERT_TRUE(ring.call);
  EXPECT_EQ(ring.call->id, "call-9");
  EXPECT_EQ(ring.call->media, "video");
  // The payload goes to the app as it came, whatever the rule.
  EXPECT_EQ(ring.passthrough, (std::map<std::string, std::string>{{"encrypted", "c2VhbGVk"}, {"iv", "aXY="}}));
  const auto ended = builtin_rules()->evaluate(
      tigase_summary("<jingle xmlns='tigase:push:jingle:0' action='retract' sid='call-9'/>"), testing::noon());
  EXPECT_EQ(ended.rule, "builtin:call-ended");
  EXPECT_EQ(ended.tag, ring.tag);
  EXPECT_FALSE(ring.tag.empty());
}

TEST(Calls, AnEncryptedSummaryAlertsWithNeutralTextAndItsPayload) {
  const auto d = builtin_rules()->evaluate(
      tigase_summary("<priority xmlns='tigase:push:priority:0'>high</priority>"
                     "<encrypted xmlns='tigase:push:encrypt:0' iv='aXY='>c2VhbGVk</encrypted>"),
      testing::noon());
  EXPECT_EQ(d.rule, "builtin:encrypted");
  EXPECT_EQ(d.action, Action::kAlert);
  EXPECT_EQ(d.apns.title, "New message");
  EXPECT_EQ(d.apns.body, "");
  EXPECT_EQ(d.passthrough.at("encrypted"), "c2VhbGVk");
  EXPECT_FALSE(d.call);
  // A rule that lowers the priority is overruled by the server's "high".
  const auto rules = testing::load_or_fail(R"yaml(version: 1
rules:
  - name: quiet
    match: { encrypted: true }
    action: alert
    alert: { title: x, priority: normal }
)yaml");
  ASSERT_TRUE(rules);
  const auto high = rules->evaluate(
      tigase_summary("<priority xmlns='tigase:push:priority:0'>high</priority>"
                     "<encrypted xmlns='tigase:push:encrypt:0' iv='aXY='>c2VhbGVk</encrypted>"),
      testing::noon());
  EXPECT_EQ(high.rule, "quiet");
  EXPECT_EQ(high.fcm.priority, Priority::kHigh);
  const auto plain = rules->evaluate(
      tigase_summary("<encrypted xmlns='tigase:push:encrypt:0' iv='aXY='>c2VhbGVk</encrypted>"), testing::noon());
  EXPECT_EQ(plain.fcm.priority, Priority::kNormal);
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
