// Matchers, precedence, templates and per-platform output of a RuleSet.
#include <gtest/gtest.h>

#include "rules/quiet_hours.h"
#include "rules/text.h"
#include "tests/unit/rules/rules_test_util.h"

namespace xpush::rules {
namespace {

using namespace testing;

interceptor::OfflineEvent message(const std::string& attrs, const std::string& inner) {
  return stanza_event(parse_stanza("<message xmlns='jabber:client' " + attrs + ">" + inner + "</message>"));
}

std::string rule_for(const RuleSet& rules, const interceptor::OfflineEvent& e) {
  return rules.evaluate(e, noon()).rule;
}

TEST(RuleSet, MatchersSeeWhatTheEventCarries) {
  const auto rules = load_or_fail(R"(
namespaces: { ext: "http://example.org/ext" }
rules:
  - { name: vip, match: { from: ["*@vip.example.org", boss@example.org] }, action: alert, alert: { title: VIP } }
  - { name: other-server, match: { to_domain: "*.partner.example" }, action: silent }
  - { name: urgent, match: { body: { regex: "(?i)\\burgent\\b" } }, action: alert, alert: { title: U } }
  - { name: nested-json, match: { json: { "meta.level": [2, 3] } }, action: alert, alert: { title: J } }
  - { name: attr, match: { element: { "ext:call@kind": video } }, action: voip, alert: { title: Call } }
  - { name: not-chat, match: { not: { type: [chat, groupchat] }, body: { empty: false } }, action: silent }
  - name: either
    match: { any: [ { body: { contains: "ping" } }, { body: { starts_with: "PONG" } } ] }
    action: drop
default: { name: rest, action: alert, alert: { title: "{{sender}}" } }
)");
  ASSERT_TRUE(rules);
  const auto chat = [](const std::string& from, const std::string& body) {
    return message("type='chat' from='" + from + "' to='alice@example.org'", "<body>" + body + "</body>");
  };
  EXPECT_EQ(rule_for(*rules, chat("ceo@vip.example.org/x", "hi")), "vip");
  EXPECT_EQ(rule_for(*rules, chat("boss@example.org/x", "hi")), "vip");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", "this is URGENT!")), "urgent");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", "not urgently")), "rest");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", R"({"meta":{"level":3}})")), "nested-json");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", R"({"meta":{"level":1}})")), "rest");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", "ping?")), "either");
  EXPECT_EQ(rule_for(*rules, chat("bob@example.org/x", "PONG")), "either");
  EXPECT_EQ(rule_for(*rules, message("type='headline' from='n@example.org' to='a@example.org'", "<body>x</body>")),
            "not-chat");
  EXPECT_EQ(rule_for(*rules, message("type='chat' from='b@example.org/x' to='a@x.partner.example'", "")),
            "other-server");
  const auto call = rules->evaluate(
      message("type='chat' from='b@example.org/x' to='a@example.org'", "<call xmlns='http://example.org/ext' kind='video'/>"),
      noon());
  EXPECT_EQ(call.rule, "attr");
  EXPECT_EQ(call.action, Action::kVoip);
}

TEST(RuleSet, SummaryFieldsAndSourceMatch) {
  const auto rules = load_or_fail(R"(
rules:
  - { name: many, match: { source: summary, summary: { message_count: { regex: "^[2-9]|^[1-9][0-9]+" } } }, action: alert, alert: { title: "{{count}} messages" } }
  - { name: from-bob, match: { summary: { last_message_sender: { contains: bob@ } } }, action: alert, alert: { title: "{{sender}}" } }
  - { name: stanza-only, match: { source: stanza }, action: drop }
)");
  ASSERT_TRUE(rules);
  interceptor::OfflineEvent e;
  e.recipient = "alice@example.org";
  e.summary.present = true;
  e.summary.message_count = "5";
  const auto many = rules->evaluate(e, noon());
  EXPECT_EQ(many.rule, "many");
  EXPECT_EQ(many.apns.title, "5 messages");
  e.summary.message_count = "1";
  e.summary.last_message_sender = "bob@example.org/phone";
  const auto bob = rules->evaluate(e, noon());
  EXPECT_EQ(bob.rule, "from-bob");
  EXPECT_EQ(bob.apns.title, "bob@example.org");
  EXPECT_EQ(rule_for(*rules, message("type='chat' to='a@example.org'", "")), "stanza-only");
}

TEST(RuleSet, PriorityBeatsFileOrderAndTiesKeepIt) {
  const auto rules = load_or_fail(R"(
rules:
  - { name: first, match: {}, action: silent }
  - { name: second, match: {}, action: drop }
  - { name: urgent, priority: 10, match: { body: { contains: "!" } }, action: alert, alert: { title: x } }
)");
  ASSERT_TRUE(rules);
  EXPECT_EQ(rule_for(*rules, message("to='a@example.org'", "<body>hi!</body>")), "urgent");
  EXPECT_EQ(rule_for(*rules, message("to='a@example.org'", "<body>hi</body>")), "first");
}

TEST(RuleSet, TemplatesRenderFieldsPlatformOverridesAndLocalisation) {
  const auto rules = load_or_fail(R"(
fields:
  name: { json: fromUserName }
defaults:
  sound: default
  ttl: 2h
rules:
  - name: json
    match: { json: { content: { exists: true } } }
    action: alert
    ttl: 10m
    alert:
      title: "{{name | default: \"someone\"}}"
      body: "{{json.content | truncate: 5}}"
      badge: 7
      category: MESSAGE
      collapse_key: "chat-{{from}}"
      priority: normal
      data: { sender: "{{from}}", kind: json }
      apns: { sound: ping.caf, subtitle: "via {{from_domain}}" }
      fcm: { loc_key: NEW_FROM, loc_args: ["{{name}}"] }
      webpush: { title: "{{name}} on the web", data: { url: "/chat/{{from}}" } }
)");
  ASSERT_TRUE(rules);
  const auto d = rules->evaluate(
      message("type='chat' from='bob@example.org/x' to='alice@example.org'",
              R"(<body>{"content":"👩‍👩‍👧‍👦 family dinner at 8","fromUserName":"Bob"}</body>)"),
      noon());
  EXPECT_EQ(d.rule, "json");
  EXPECT_EQ(d.ttl, std::chrono::minutes{10});
  EXPECT_EQ(d.apns.title, "Bob");
  // Five user-perceived characters: the family emoji (7 code points) is one.
  EXPECT_EQ(d.apns.body, "👩‍👩‍👧‍👦 fam…");
  EXPECT_EQ(d.apns.sound, "ping.caf");
  EXPECT_EQ(d.apns.subtitle, "via example.org");
  EXPECT_EQ(d.apns.badge, 7);
  EXPECT_EQ(d.apns.category, "MESSAGE");
  EXPECT_EQ(d.apns.collapse_key, "chat-bob@example.org");
  EXPECT_EQ(d.apns.priority, Priority::kNormal);
  EXPECT_EQ(d.apns.data, (std::map<std::string, std::string>{{"kind", "json"}, {"sender", "bob@example.org"}}));
  EXPECT_TRUE(d.apns.loc_key.empty());
  EXPECT_EQ(d.fcm.sound, "default");
  EXPECT_EQ(d.fcm.loc_key, "NEW_FROM");
  EXPECT_EQ(d.fcm.loc_args, std::vector<std::string>{"Bob"});
  EXPECT_TRUE(d.fcm.subtitle.empty());
  EXPECT_EQ(d.webpush.title, "Bob on the web");
  EXPECT_EQ(d.webpush.body, "👩‍👩‍👧‍👦 fam…");
  EXPECT_EQ(d.webpush.data, (std::map<std::string, std::string>{
                                {"kind", "json"}, {"sender", "bob@example.org"}, {"url", "/chat/bob@example.org"}}))
      << "a platform block's data adds to the rule's";
  EXPECT_TRUE(d.webpush.loc_key.empty());

  const auto nameless = rules->evaluate(
      message("type='chat' from='bob@example.org/x' to='alice@example.org'", R"(<body>{"content":"hi"}</body>)"),
      noon());
  EXPECT_EQ(nameless.apns.title, "someone");
  EXPECT_EQ(nameless.apns.body, "hi");
}

TEST(RuleSet, TheVendorBlockCarriesChannelImportanceAndCategory) {
  const auto rules = load_or_fail(R"(
rules:
  - name: chat
    match: {}
    action: alert
    alert:
      title: "{{sender}}"
      vendor: { channel_id: "chat-{{from_local}}", importance: high, vendor_category: IM, title: "{{from_local}}" }
)");
  ASSERT_TRUE(rules);
  const auto d = rules->evaluate(message("type='chat' from='bob@example.org/x' to='alice@example.org'",
                                         "<body>hi</body>"),
                                 noon());
  EXPECT_EQ(d.vendor.title, "bob");
  EXPECT_EQ(d.vendor.channel_id, "chat-bob");
  EXPECT_EQ(d.vendor.importance, "high");
  EXPECT_EQ(d.vendor.vendor_category, "IM");
  EXPECT_EQ(d.fcm.title, "bob@example.org");
  EXPECT_TRUE(d.fcm.channel_id.empty()) << "the vendor block is for the vendor channels only";
  const auto bad = load_rules_text("rules:\n  - name: x\n    match: {}\n    action: alert\n"
                                   "    alert: { title: t, vendor: { importance: urgent } }\n",
                                   "rules.yaml");
  ASSERT_FALSE(bad);
  ASSERT_EQ(bad.error().size(), 1u);
  EXPECT_EQ(bad.error()[0], "rules.yaml:5:46: rule 'x': unknown importance 'urgent' (expected low, normal or high)");
}

TEST(RuleSet, TruncateNeverSplitsAGraphemeCluster) {
  EXPECT_EQ(truncate_graphemes("🇩🇪🇫🇷🇯🇵", 2), "🇩🇪🇫🇷…");
  EXPECT_EQ(truncate_graphemes("e\xCC\x81t\xC3\xA9", 1), "e\xCC\x81…");  // e + combining acute
  EXPECT_EQ(truncate_graphemes("short", 5), "short");
  EXPECT_EQ(truncate_graphemes("", 3), "");
}

TEST(RuleSet, JidPatterns) {
  EXPECT_TRUE(glob_match("*@example.org", "bob@example.org"));
  EXPECT_FALSE(glob_match("*@example.org", "bob@example.org.evil"));
  EXPECT_TRUE(glob_match("*.example.org", "muc.example.org"));
  EXPECT_TRUE(glob_match("Bob@Example.org", "bob@example.org"));
  EXPECT_TRUE(glob_match("b?b@*", "bob@x"));
  EXPECT_FALSE(glob_match("", "x"));
  // A pattern built to blow up a backtracking matcher finishes at once.
  EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*a*a*a*b", std::string(5000, 'a')));
}

TEST(RuleSet, MutesAndQuietHoursOnlyTouchAlerts) {
  const auto rules = load_or_fail(R"(
quiet_hours:
  - { name: tokyo-night, timezone: Asia/Tokyo, from: "23:00", to: "06:00", users: ["*@jp.example.org"] }
mute:
  - { user: alice@example.org }
rules:
  - { name: chat, match: { body: { empty: false } }, action: alert, alert: { title: x } }
  - { name: sync, match: {}, action: silent }
)");
  ASSERT_TRUE(rules);
  const auto muted = rules->evaluate(message("to='alice@example.org'", "<body>x</body>"), noon());
  EXPECT_EQ(muted.action, Action::kSilent);
  EXPECT_EQ(muted.modifier, "mute:alice@example.org");
  EXPECT_EQ(rules->evaluate(message("to='alice@example.org'", ""), noon()).modifier, "");
  // 15:00 UTC is midnight in Tokyo (no daylight saving there).
  const auto tokyo_midnight = std::chrono::sys_days{std::chrono::year{2026} / 6 / 15} + std::chrono::hours{15};
  const auto quiet = rules->evaluate(message("to='ken@jp.example.org'", "<body>x</body>"), tokyo_midnight);
  EXPECT_EQ(quiet.action, Action::kSilent);
  EXPECT_EQ(quiet.modifier, "quiet-hours:tokyo-night");
  EXPECT_EQ(rules->evaluate(message("to='bob@example.org'", "<body>x</body>"), tokyo_midnight).action,
            Action::kAlert);  // not one of the listed users
}

TEST(QuietHours, FollowsDaylightSavingTime) {
  auto q = QuietHours::create("n", "America/New_York", 22 * 60, 7 * 60, {});
  ASSERT_TRUE(q);
  using namespace std::chrono;
  // 02:30 UTC: 22:30 EDT in July (UTC-4), 21:30 EST in January (UTC-5).
  EXPECT_EQ(q->local_minute(sys_days{year{2026} / 7 / 1} + hours{2} + minutes{30}), 22 * 60 + 30);
  EXPECT_EQ(q->local_minute(sys_days{year{2026} / 1 / 1} + hours{2} + minutes{30}), 21 * 60 + 30);
  EXPECT_TRUE(q->applies(sys_days{year{2026} / 7 / 1} + hours{2} + minutes{30}, "a@b"));
  EXPECT_FALSE(q->applies(sys_days{year{2026} / 1 / 1} + hours{2} + minutes{30}, "a@b"));
}

// XEP-0308 and XEP-0424 as Conversations and Dino send them.
constexpr const char* kOriginal =
    "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat' id='m-1'>"
    "<body>helo</body></message>";
constexpr const char* kCorrection =
    "<message xmlns='jabber:client' from='bob@example.org/laptop' to='alice@example.org' type='chat' id='m-2'>"
    "<body>hello</body><replace xmlns='urn:xmpp:message-correct:0' id='m-1'/></message>";
constexpr const char* kRetraction =
    "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat' id='m-3'>"
    "<retract xmlns='urn:xmpp:message-retract:1' id='m-1'/>"
    "<body>This person attempted to retract a previous message, but it's unsupported by your client.</body>"
    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/></message>";
constexpr const char* kRetractionV0 =
    "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat' id='m-4'>"
    "<apply-to xmlns='urn:xmpp:fasten:0' id='m-1'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>"
    "<body>retracted</body></message>";

TEST(MessageKinds, RulesTellAMessageItsCorrectionAndItsRetractionApart) {
  const auto rules = load_or_fail(R"yaml(version: 1
rules:
  - name: edit
    match: { kind: correction }
    action: alert
    alert: { title: "{{sender}} edited", body: "{{body}}" }
  - name: gone
    match: { kind: [retraction] }
    action: alert
    alert: { title: "deleted {{refers_to}}" }
  - name: chat
    match: { kind: message, body: { empty: false } }
    action: alert
    alert: { title: "{{sender}}", body: "{{body}} ({{kind}})" }
)yaml");
  ASSERT_TRUE(rules);
  const auto original = rules->evaluate(stanza_event(parse_stanza(kOriginal)), noon());
  EXPECT_EQ(original.rule, "chat");
  EXPECT_EQ(original.apns.body, "helo (message)");
  const auto edit = rules->evaluate(stanza_event(parse_stanza(kCorrection)), noon());
  EXPECT_EQ(edit.rule, "edit");
  EXPECT_EQ(edit.apns.body, "hello");
  for (const char* retraction : {kRetraction, kRetractionV0}) {
    const auto gone = rules->evaluate(stanza_event(parse_stanza(retraction)), noon());
    EXPECT_EQ(gone.rule, "gone");
    EXPECT_EQ(gone.apns.title, "deleted m-1");
    EXPECT_EQ(gone.tag, original.tag);
  }
  // One tag for the message, its correction and its retraction, from any resource.
  EXPECT_EQ(original.tag.size(), 20u);
  EXPECT_TRUE(original.tag.starts_with("msg-"));
  EXPECT_EQ(edit.tag, original.tag);
}

TEST(MessageKinds, TagsAreTheSendersOwnAndAbsentWithoutAnId) {
  const auto rules = builtin_rules();
  const auto from_bob = rules->evaluate(stanza_event(parse_stanza(kOriginal)), noon());
  std::string from_carol_text = kOriginal;
  from_carol_text.replace(from_carol_text.find("bob@"), 4, "carol@");
  const auto from_carol = rules->evaluate(stanza_event(parse_stanza(from_carol_text)), noon());
  EXPECT_NE(from_bob.tag, from_carol.tag);  // the same id from two people is two messages
  const auto no_id = rules->evaluate(
      stanza_event(parse_stanza("<message xmlns='jabber:client' from='bob@example.org' to='alice@example.org'>"
                                "<body>hi</body></message>")),
      noon());
  EXPECT_EQ(no_id.tag, "");
}

TEST(MessageKinds, TheBuiltInRulesReplaceARetractedMessageWithNeutralText) {
  const auto gone = builtin_rules()->evaluate(stanza_event(parse_stanza(kRetraction)), noon());
  EXPECT_EQ(gone.rule, "builtin:retraction");
  EXPECT_EQ(gone.action, Action::kAlert);
  EXPECT_EQ(gone.apns.title, "Message deleted");
  EXPECT_EQ(gone.apns.body, "");
  EXPECT_EQ(gone.apns.interruption_level, "passive");
  const auto edit = builtin_rules()->evaluate(stanza_event(parse_stanza(kCorrection)), noon());
  EXPECT_EQ(edit.rule, "builtin:important");
}

TEST(MessageKinds, AnUnknownKindIsAnError) {
  const auto loaded = load_rules_text("version: 1\nrules:\n  - name: x\n    match: { kind: edit }\n    action: drop\n",
                                      "rules.yaml");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().front(), "rules.yaml:4:20: rule 'x': kind must be message, correction, retraction, call or call-ended");
}

}  // namespace
}  // namespace xpush::rules
