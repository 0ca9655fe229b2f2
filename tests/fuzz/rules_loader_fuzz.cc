// The rules loader on arbitrary YAML: it loads or reports errors, never
// crashes or hangs; rules that load are evaluated on a few events.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "interceptor/xml_stream.h"
#include "rules/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml{reinterpret_cast<const char*>(data), size};
  auto loaded = xpush::rules::load_rules_text(yaml, "fuzz.yaml");
  if (!loaded) return 0;
  static const char* kMessages[] = {
      "<message from='bob@example.org/a' to='alice@example.org' type='chat'><body>hi 👋</body></message>",
      "<message from='room@muc.example.org/nick' to='alice@example.org' type='groupchat'><body>"
      "{\"content\":\"x\",\"isAt\":1,\"a\":{\"b\":[1,2]}}</body></message>",
  };
  for (const char* xml : kMessages) {
    xpush::interceptor::OfflineEvent event;
    event.source = xpush::interceptor::EventSource::kForwardedStanza;
    event.stanza = *xpush::interceptor::parse_stanza_text(xml);
    event.recipient = "alice@example.org";
    // A fixed moment, 23:30 UTC: a finding replays the same way at any hour.
    const auto at = std::chrono::sys_days{std::chrono::year{2026} / 1 / 15} + std::chrono::hours{23} +
                    std::chrono::minutes{30};
    auto decision = (*loaded)->evaluate(event, at);
    if (decision.throttle) (void)decision.throttle->digest(3);
  }
  return 0;
}
