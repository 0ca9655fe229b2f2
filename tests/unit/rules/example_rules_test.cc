// The example rules.yaml shipped to product teams, decided over a corpus of
// real stanzas (../shared/fixtures) and our own: what each phone would show.
#include <gtest/gtest.h>

#include "base/read_file.h"
#include "tests/unit/rules/rules_test_util.h"

namespace xpush::rules {
namespace {

using namespace testing;
using interceptor::testing::fixture;

std::shared_ptr<const RuleSet> example_rules() {
  static auto rules = load_or_fail(
      base::read_file(std::string{XPUSH_SOURCE_DIR} + "/packaging/examples/rules.yaml", "example rules"));
  return rules;
}

struct Case {
  std::string name;
  interceptor::OfflineEvent event;
  std::string rule;
  Action action;
  std::string title;
  std::string body;
};

interceptor::OfflineEvent stanza(const std::string& xml) { return stanza_event(parse_stanza(xml)); }

std::vector<Case> corpus() {
  return {
      {"plain chat", stanza_event(fixture("messages/plain-chat.xml")), "chat", Action::kAlert,
       "bob@example.org", "Are we still on for lunch?"},
      {"receipt", stanza_event(fixture("messages/receipt-only.xml")), "receipts", Action::kDrop, "", ""},
      {"chat state", stanza_event(fixture("messages/chat-state-only.xml")), "chat-states", Action::kDrop,
       "", ""},
      {"OMEMO never shows its fallback body", stanza_event(fixture("messages/omemo-with-fallback.xml")),
       "encrypted", Action::kAlert, "bob@example.org", "Encrypted message"},
      {"JSON body", stanza_event(fixture("messages/json-body-chat.xml")), "json-message", Action::kAlert,
       "张三", "你好"},
      {"secret chat never shows content", stanza_event(fixture("messages/json-body-secret.xml")),
       "secret-chat", Action::kAlert, "李四", "New secret message"},
      {"extension element", stanza_event(fixture("messages/msg-extension.xml")), "extension-message",
       Action::kAlert, "user1", "新消息2"},
      {"Prosody summary", summary_event(fixture("xep0357/prosody-0.12-default.xml")), "summary",
       Action::kAlert, "New message", ""},
      {"ejabberd summary", summary_event(fixture("xep0357/ejabberd-23.01-default.xml")), "summary",
       Action::kAlert, "New message", ""},
      {"chat marker",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' "
              "type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='m1'/></message>"),
       "markers", Action::kDrop, "", ""},
      {"OMEMO 2",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' "
              "type='chat'><encrypted xmlns='urn:xmpp:omemo:2'><payload>x</payload></encrypted>"
              "<body>fallback</body></message>"),
       "encrypted", Action::kAlert, "bob@example.org", "Encrypted message"},
      {"OpenPGP (XEP-0373)",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' "
              "type='chat'><openpgp xmlns='urn:xmpp:openpgp:0'>BASE64</openpgp>"
              "<body>This message is encrypted</body></message>"),
       "encrypted", Action::kAlert, "bob@example.org", "Encrypted message"},
      {"group @-mention in JSON",
       stanza(R"(<message xmlns='jabber:client' from='team@muc.example.org/张三' to='alice@example.org' type='groupchat'><body>{"content":"@alice ship it","fromUserName":"张三","isSecret":0,"isAt":1,"type":1}</body></message>)"),
       "group-mention", Action::kAlert, "张三 mentioned you", "@alice ship it"},
      {"groupchat line",
       stanza("<message xmlns='jabber:client' from='team@muc.example.org/bob' to='alice@example.org' "
              "type='groupchat'><body>lunch?</body></message>"),
       "groupchat", Action::kAlert, "team@muc.example.org", "bob: lunch?"},
      {"a call rings",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'>"
              "<propose xmlns='urn:xmpp:jingle-message:0' id='c1'><description"
              " xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/></propose></message>"),
       "call", Action::kVoip, "bob is calling", ""},
      {"the caller gave up",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' type='chat'>"
              "<retract xmlns='urn:xmpp:jingle-message:0' id='c1'/></message>"),
       "missed-call", Action::kAlert, "Missed call from bob", ""},
      {"no body at all",
       stanza("<message xmlns='jabber:client' from='bob@example.org/a' to='alice@example.org' "
              "type='chat'><x xmlns='jabber:x:oob'><url>https://example.org/a.jpg</url></x></message>"),
       "default", Action::kSilent, "", ""},
      {"muted sender",
       stanza("<message xmlns='jabber:client' from='newsbot@example.org/x' to='carol@example.org' "
              "type='chat'><body>Today's news</body></message>"),
       "chat", Action::kDrop, "", ""},
  };
}

TEST(ExampleRules, DecideTheCorpus) {
  const auto rules = example_rules();
  ASSERT_TRUE(rules);
  for (const auto& c : corpus()) {
    SCOPED_TRACE(c.name);
    const Decision d = rules->evaluate(c.event, noon());
    EXPECT_EQ(d.rule, c.rule);
    EXPECT_EQ(to_string(d.action), to_string(c.action));
    if (c.action != Action::kAlert) continue;
    EXPECT_EQ(d.apns.title, c.title);
    EXPECT_EQ(d.apns.body, c.body);
    EXPECT_EQ(d.fcm.title, c.title);
    EXPECT_EQ(d.fcm.body, c.body);
    EXPECT_EQ(d.apns.sound, "default");  // from defaults
  }
}

TEST(ExampleRules, NothingShowsAnEncryptedOrSecretText) {
  const auto rules = example_rules();
  ASSERT_TRUE(rules);
  for (const char* f : {"messages/omemo-with-fallback.xml", "messages/json-body-secret.xml"}) {
    const auto event = stanza_event(fixture(f));
    const std::string body = event.stanza->child_text("body", event.stanza->ns());
    const Decision d = rules->evaluate(event, noon());
    for (const Alert* a : {&d.apns, &d.fcm}) {
      EXPECT_EQ(a->body.find("door code"), std::string::npos) << f;
      EXPECT_EQ(a->body.find("OMEMO"), std::string::npos) << f;
      EXPECT_NE(a->body, body) << f;
    }
  }
}

TEST(ExampleRules, ADeletedMessageShowsNeitherItsTextNorTheFallback) {
  const auto gone = example_rules()->evaluate(
      stanza_event(parse_stanza(
          "<message xmlns='jabber:client' from='bob@example.org/phone' to='alice@example.org' type='chat' id='m-3'>"
          "<retract xmlns='urn:xmpp:message-retract:1' id='m-1'/>"
          "<body>This person attempted to retract a previous message, but it's unsupported by your client.</body>"
          "</message>")),
      noon());
  EXPECT_EQ(gone.rule, "retraction");
  EXPECT_EQ(gone.apns.title, "Message deleted");
  EXPECT_EQ(gone.apns.body, "");
  EXPECT_EQ(gone.fcm.body, "");
}

TEST(ExampleRules, NightInBerlinMakesAlertsSilentButMentionsStillAlert) {
  const auto rules = example_rules();
  ASSERT_TRUE(rules);
  // 23:30 in Berlin in summer (CEST, UTC+2) is 21:30 UTC.
  const auto night = std::chrono::sys_days{std::chrono::year{2026} / 6 / 15} + std::chrono::hours{21} +
                     std::chrono::minutes{30};
  const auto plain = rules->evaluate(stanza_event(fixture("messages/plain-chat.xml")), night);
  EXPECT_EQ(plain.rule, "chat");
  EXPECT_EQ(plain.action, Action::kSilent);
  EXPECT_EQ(plain.modifier, "quiet-hours:night");

  const auto mention = rules->evaluate(
      stanza(R"(<message xmlns='jabber:client' from='team@muc.example.org/z' to='alice@example.org' type='groupchat'><body>{"content":"@alice","isAt":1}</body></message>)"),
      night);
  EXPECT_EQ(mention.rule, "group-mention");
  EXPECT_EQ(mention.action, Action::kAlert);
  EXPECT_EQ(mention.apns.interruption_level, "time-sensitive");
  EXPECT_FALSE(mention.throttle);  // throttle: off

  // 21:30 UTC in January is 22:30 CET (UTC+1): also night.
  const auto winter = std::chrono::sys_days{std::chrono::year{2026} / 1 / 15} + std::chrono::hours{21} +
                      std::chrono::minutes{30};
  EXPECT_EQ(rules->evaluate(stanza_event(fixture("messages/plain-chat.xml")), winter).action,
            Action::kSilent);
  // 20:30 UTC in January is 21:30 CET: not yet.
  EXPECT_EQ(rules->evaluate(stanza_event(fixture("messages/plain-chat.xml")), winter - std::chrono::hours{1}).action,
            Action::kAlert);
}

TEST(ExampleRules, ThrottleDigestCountsTheFoldedMessages) {
  const auto rules = example_rules();
  ASSERT_TRUE(rules);
  const auto d = rules->evaluate(stanza_event(fixture("messages/plain-chat.xml")), noon());
  ASSERT_TRUE(d.throttle);
  EXPECT_EQ(d.throttle->window, std::chrono::seconds{20});
  const auto [apns, fcm, webpush, webhook, vendor] = d.throttle->digest(4);
  EXPECT_EQ(apns.title, "bob@example.org");
  EXPECT_EQ(apns.body, "4 new messages");
  EXPECT_EQ(apns.badge, 4);
  EXPECT_EQ(fcm.body, "4 new messages");
  EXPECT_EQ(webpush.body, "4 new messages");
  EXPECT_EQ(webhook.body, "4 new messages");
  EXPECT_EQ(vendor.body, "4 new messages");
  EXPECT_EQ(apns.thread_id, "bob@example.org");  // the rest of the rule's alert stays
}

TEST(BuiltinRules, AlertGenericTextForBodiesAndSilentOtherwise) {
  const auto rules = builtin_rules();
  const auto alert = rules->evaluate(stanza_event(fixture("messages/plain-chat.xml")), noon());
  EXPECT_EQ(alert.rule, "builtin:important");
  EXPECT_EQ(alert.action, Action::kAlert);
  EXPECT_EQ(alert.apns.title, "New message");
  EXPECT_EQ(alert.apns.body, "");  // never the message itself
  const auto quiet = rules->evaluate(stanza_event(fixture("messages/receipt-only.xml")), noon());
  EXPECT_EQ(quiet.rule, "builtin:background");
  EXPECT_EQ(quiet.action, Action::kSilent);
}

}  // namespace
}  // namespace xpush::rules
