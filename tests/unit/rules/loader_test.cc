// Every class of mistake a product team can make in rules.yaml is refused
// with file:line:column, the rule's name and what was expected.
#include <gtest/gtest.h>

#include "tests/unit/rules/rules_test_util.h"

namespace xpush::rules {
namespace {

std::vector<std::string> errors_of(const std::string& yaml) {
  auto loaded = load_rules_text(yaml, "rules.yaml");
  EXPECT_FALSE(loaded) << "loaded, but should not:\n" << yaml;
  return loaded ? std::vector<std::string>{} : loaded.error();
}

std::string only_error(const std::string& yaml) {
  const auto errors = errors_of(yaml);
  EXPECT_EQ(errors.size(), 1u);
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  return errors.size() == 1 ? errors[0] : all;
}

const std::string kHead = "version: 1\nrules:\n  - name: chat\n";

struct Case {
  const char* what;
  std::string yaml;
  std::string expected;  // the whole error line
};

TEST(RulesLoader, EveryMistakeIsReportedWithItsPlace) {
  const std::vector<Case> cases = {
      {"YAML syntax", "rules:\n  - name: [unclosed\n", "rules.yaml:3:1: end of sequence flow not found"},
      {"unknown top-level key", "version: 1\nrulez: []\nrules: []\n",
       "rules.yaml:2:1: unknown key 'rulez' in the rules file (expected one of: version, namespaces, "
       "fields, defaults, quiet_hours, mute, rules, default)"},
      {"unknown key in a rule", kHead + "    action: drop\n    match: {}\n    titel: x\n",
       "rules.yaml:6:5: rule: unknown key 'titel' in rule (expected one of: name, priority, match, "
       "action, alert, ttl, quiet_hours, throttle)"},
      {"misspelt alert key", kHead + "    match: {}\n    action: alert\n    alert:\n      title: x\n      bdy: y\n",
       "rules.yaml:8:7: rule 'chat': unknown key 'bdy' in alert (expected one of: title, subtitle, body, "
       "title_loc_key, title_loc_args, loc_key, loc_args, sound, badge, thread_id, category, "
       "collapse_key, interruption_level, priority, data, channel_id, importance, vendor_category, apns, fcm, webpush, webhook, vendor)"},
      {"unknown matcher", kHead + "    match: { sender: bob }\n    action: drop\n",
       "rules.yaml:4:14: rule 'chat': unknown key 'sender' in match (expected one of: source, type, kind, encrypted, from, "
       "to, from_domain, to_domain, body, json, element, child, field, summary, any, all, not)"},
      {"wrong type", kHead + "    match: {}\n    action: alert\n    alert:\n      title: [a, b]\n",
       "rules.yaml:7:14: rule 'chat': title must be a text"},
      {"bad regular expression", kHead + "    match: { body: { regex: \"(unclosed\" } }\n    action: drop\n",
       "rules.yaml:4:29: rule 'chat': bad regular expression '(unclosed': missing ): (unclosed"},
      {"unknown template variable", kHead + "    match: {}\n    action: alert\n    alert:\n      title: \"{{sendr}}\"\n",
       "rules.yaml:7:14: rule 'chat': title: unknown variable 'sendr' (expected a field declared under "
       "'fields', json.<path>, or one of: sender, from, from_local, from_domain, nick, room, to, "
       "to_domain, recipient, body, type, count, message_id, source)"},
      {"unknown filter", kHead + "    match: {}\n    action: alert\n    alert:\n      body: \"{{body | shorten: 5}}\"\n",
       "rules.yaml:7:13: rule 'chat': body: unknown filter 'shorten' (expected truncate or default)"},
      {"truncate without a length", kHead + "    match: {}\n    action: alert\n    alert:\n      body: \"{{body | truncate}}\"\n",
       "rules.yaml:7:13: rule 'chat': body: truncate needs a positive number of characters, e.g. truncate: 80"},
      {"unclosed template", kHead + "    match: {}\n    action: alert\n    alert:\n      body: \"{{body\"\n",
       "rules.yaml:7:13: rule 'chat': body: '{{' without a closing '}}'"},
      {"unknown action", kHead + "    match: {}\n    action: notify\n",
       "rules.yaml:5:13: rule 'chat': unknown action 'notify' (expected drop, silent, alert or voip)"},
      {"no action", kHead + "    match: {}\n",
       "rules.yaml:3:5: rule 'chat': the rule has no action (expected drop, silent, alert or voip)"},
      {"no name", "rules:\n  - match: {}\n    action: drop\n",
       "rules.yaml:2:5: rule: the rule has no name (every rule needs one, so that each push can be explained)"},
      {"no match", kHead + "    action: drop\n",
       "rules.yaml:3:5: rule 'chat': the rule has no match (use match: {} to match everything)"},
      {"two rules with one name", kHead + "    match: {}\n    action: drop\n  - name: chat\n    match: {}\n    action: drop\n",
       "rules.yaml:6:11: two rules are named 'chat' (names must be unique)"},
      {"duplicate key", kHead + "    match: {}\n    action: drop\n    action: alert\n",
       "rules.yaml:6:5: rule: duplicate key 'action' in rule"},
      {"alert with nothing to show", kHead + "    match: {}\n    action: alert\n    alert: { sound: default }\n",
       "rules.yaml:6:12: rule 'chat': an alert needs a title, a body or a loc_key (here or under defaults)"},
      {"bad interruption level", kHead + "    match: {}\n    action: alert\n    alert: { title: x, interruption_level: urgent }\n",
       "rules.yaml:6:44: rule 'chat': unknown interruption_level 'urgent' (expected passive, active, "
       "time-sensitive or critical)"},
      {"bad badge", kHead + "    match: {}\n    action: alert\n    alert: { title: x, badge: lots }\n",
       "rules.yaml:6:31: rule 'chat': badge must be a number, or a template such as \"{{count}}\""},
      {"bad duration", kHead + "    match: {}\n    action: silent\n    ttl: 3 weeks\n",
       "rules.yaml:6:10: rule 'chat': ttl must be a duration such as 30s, 10m, 2h or 1d"},
      {"throttle without a window", kHead + "    match: {}\n    action: alert\n    alert: { title: x }\n    throttle: { body: \"{{count}}\" }\n",
       "rules.yaml:7:15: rule 'chat': throttle needs a window, e.g. window: 60s"},
      {"undeclared namespace prefix", kHead + "    match: { element: { \"ext:msg\": { exists: true } } }\n    action: drop\n",
       "rules.yaml:4:25: rule 'chat': element path 'ext:msg' uses prefix 'ext', which is not declared under 'namespaces'"},
      {"undeclared field", kHead + "    match: { field: { content: { exists: true } } }\n    action: drop\n",
       "rules.yaml:4:23: rule 'chat': unknown field 'content' (declare it under 'fields')"},
      {"unknown time zone", "quiet_hours:\n  - name: night\n    timezone: Europe/Atlantis\n    from: \"22:00\"\n    to: \"07:00\"\nrules: []\n",
       "rules.yaml:3:15: quiet hours 'night': unknown time zone 'Europe/Atlantis' (expected an IANA name such as Europe/Berlin)"},
      {"bad clock time", "quiet_hours:\n  - name: night\n    timezone: UTC\n    from: \"25:00\"\n    to: \"07:00\"\nrules: []\n",
       "rules.yaml:4:11: quiet hours 'night': from must be a 24-hour time such as 07:00"},
      {"a mute that alerts", "mute:\n  - user: a@example.org\n    action: alert\nrules: []\n",
       "rules.yaml:3:13: mute: a mute makes alerts silent or drops them (expected silent or drop)"},
      {"newer version", "version: 2\nrules: []\n", "rules.yaml:1:10: this xpush reads rules version 1, not 2"},
      {"no rules list", "version: 1\n", "rules.yaml:1:1: 'rules' must be a list of rules"},
      {"a field that shadows a variable", "fields:\n  body: { json: text }\nrules: []\n",
       "rules.yaml:2:3: field 'body': the name is taken by a built-in variable or contains '.'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(only_error(c.yaml), c.expected);
  }
}

TEST(RulesLoader, ReportsEveryErrorNotJustTheFirst) {
  const auto errors = errors_of(
      "rules:\n"
      "  - name: one\n    match: { body: { regex: \"[\" } }\n    action: drop\n"
      "  - name: two\n    match: {}\n    action: alert\n    alert: { title: \"{{nope}}\" }\n");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_TRUE(errors[0].starts_with("rules.yaml:3:29: rule 'one': bad regular expression")) << errors[0];
  EXPECT_TRUE(errors[1].starts_with("rules.yaml:8:21: rule 'two': title: unknown variable 'nope'")) << errors[1];
}

TEST(RulesLoader, AMissingFileSaysSo) {
  auto loaded = load_rules_file("/nonexistent/rules.yaml");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().at(0), "cannot read rules file /nonexistent/rules.yaml: No such file or directory");
}

TEST(RulesLoader, TheExampleFileLoads) {
  auto loaded = load_rules_file(std::string{XPUSH_SOURCE_DIR} + "/packaging/examples/rules.yaml");
  ASSERT_TRUE(loaded) << loaded.error().front();
  EXPECT_EQ((*loaded)->size(), 15u);
}

}  // namespace
}  // namespace xpush::rules
