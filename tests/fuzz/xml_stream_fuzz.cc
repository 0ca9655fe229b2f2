// The component stream parser and what reads stanzas from it (XEP-0357
// publishes, registration commands, stanza classification) on arbitrary
// bytes, fed in the chunks the input's first byte chooses. Must never crash,
// leak or hang; errors are data.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "interceptor/iq.h"
#include "interceptor/push_publish.h"
#include "interceptor/registration_command.h"
#include "interceptor/xml_stream.h"

using namespace xpush::interceptor;

namespace {
void read_stanza(const Element& stanza) {
  (void)classify(stanza);
  (void)parse_publish(stanza);
  (void)parse_registration_command(stanza);
  (void)serialize(stanza);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view input{reinterpret_cast<const char*>(data) + 1, size - 1};
  XmlStream stream{StreamLimits{.max_stanza_bytes = 64 * 1024, .max_depth = 32}};
  stream.feed("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept'>");
  while (!input.empty()) {
    auto result = stream.feed(input.substr(0, chunk));
    input.remove_prefix(std::min(chunk, input.size()));
    for (const auto& event : result.events) {
      if (const auto* stanza = std::get_if<Element>(&event)) read_stanza(*stanza);
    }
    if (result.error) (void)describe(*result.error);
    if (result.error) break;
  }
  if (auto one = parse_stanza_text({reinterpret_cast<const char*>(data), size})) read_stanza(*one);
  return 0;
}
