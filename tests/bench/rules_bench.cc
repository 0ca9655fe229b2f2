// Rules decisions per second on one core: a 50-rule file (39 rules that a
// typical message passes by, then the 11 example rules) over a mixed corpus
// of real stanzas and summaries, beside the built-in single rule on the same
// corpus. Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/read_file.h"
#include "interceptor/jid.h"
#include "interceptor/push_publish.h"
#include "interceptor/xml_stream.h"
#include "rules/loader.h"

namespace {

using xpush::interceptor::OfflineEvent;

constexpr auto kMinTime = std::chrono::seconds{2};

std::string fixture(const std::string& name) {
  return xpush::base::read_file(std::string{XPUSH_FIXTURES_DIR} + "/" + name, "fixture");
}

OfflineEvent stanza_event(const std::string& xml) {
  OfflineEvent e;
  e.source = xpush::interceptor::EventSource::kForwardedStanza;
  e.stanza = *xpush::interceptor::parse_stanza_text(xml);
  e.recipient = xpush::interceptor::Jid::parse(e.stanza->attr_or("to"))->bare();
  return e;
}

OfflineEvent summary_event(const std::string& xml) {
  OfflineEvent e;
  e.summary = xpush::interceptor::parse_publish(*xpush::interceptor::parse_stanza_text(xml))->summary;
  e.recipient = "alice@example.org";
  return e;
}

std::vector<OfflineEvent> corpus() {
  std::vector<OfflineEvent> events;
  for (const char* f : {"plain-chat.xml", "json-body-chat.xml", "json-body-secret.xml", "msg-extension.xml",
                        "omemo-with-fallback.xml", "receipt-only.xml", "chat-state-only.xml"}) {
    events.push_back(stanza_event(fixture(std::string{"messages/"} + f)));
  }
  events.push_back(summary_event(fixture("xep0357/prosody-0.12-default.xml")));
  events.push_back(summary_event(fixture("xep0357/ejabberd-23.01-default.xml")));
  events.push_back(stanza_event(
      "<message xmlns='jabber:client' from='team@muc.example.org/bob' to='alice@example.org' "
      "type='groupchat'><body>lunch at noon? the usual place, unless it rains again</body></message>"));
  return events;
}

// 39 rules of four kinds that the corpus passes by, then the example file.
std::string fifty_rules() {
  const std::string example = xpush::base::read_file(
      std::string{XPUSH_SOURCE_DIR} + "/packaging/examples/rules.yaml", "example rules");
  const auto rules_at = example.find("rules:\n");
  std::string out = example.substr(0, rules_at) + "rules:\n";
  for (int i = 0; i < 39; ++i) {
    const std::string n = std::to_string(i);
    out += "  - name: generated-" + n + "\n    match: ";
    switch (i % 4) {
      case 0: out += "{ from: \"*@vip" + n + ".example.org\" }"; break;
      case 1: out += "{ body: { regex: \"(?i)\\\\burgent-" + n + "\\\\b\" } }"; break;
      case 2: out += "{ json: { type: \"" + std::to_string(100 + i) + "\" } }"; break;
      case 3: out += "{ field: { ext_msg: { contains: \"campaign-" + n + "\" } } }"; break;
    }
    out += "\n    action: alert\n    alert: { title: \"{{sender}} " + n + "\", body: \"{{body | truncate: 80}}\" }\n";
  }
  return out + example.substr(rules_at + 7);
}

double decisions_per_second(const xpush::rules::RuleSet& rules, const std::vector<OfflineEvent>& events) {
  const auto now = std::chrono::system_clock::now();
  std::size_t decided = 0, sink = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = std::chrono::steady_clock::duration{};
  while (elapsed < kMinTime) {
    for (int round = 0; round < 100; ++round) {
      for (const auto& e : events) sink += rules.evaluate(e, now).apns.body.size();
      decided += events.size();
    }
    elapsed = std::chrono::steady_clock::now() - t0;
  }
  if (sink == 42) std::puts("");
  return static_cast<double>(decided) / std::chrono::duration<double>(elapsed).count();
}

}  // namespace

int main() {
  const auto events = corpus();
  const auto builtin = xpush::rules::builtin_rules();
  auto example = xpush::rules::load_rules_file(std::string{XPUSH_SOURCE_DIR} + "/packaging/examples/rules.yaml");
  auto fifty = xpush::rules::load_rules_text(fifty_rules(), "fifty.yaml");
  if (!example || !fifty) {
    std::fprintf(stderr, "rules did not load: %s\n", (!example ? example.error() : fifty.error()).front().c_str());
    return 1;
  }
  const double base = decisions_per_second(*builtin, events);
  std::printf("corpus: %zu events (stanzas, summaries, JSON bodies, receipts, OMEMO)\n", events.size());
  std::printf("%-28s %10.0f decisions/s  %6.2f us each  ratio 1.00\n", "built-in rules", base, 1e6 / base);
  for (const auto& [name, rules] : {std::pair{"example file", *example}, std::pair{"50 rules", *fifty}}) {
    const double rate = decisions_per_second(*rules, events);
    std::printf("%-28s %10.0f decisions/s  %6.2f us each  ratio %.2f\n", name, rate, 1e6 / rate, rate / base);
  }
}
