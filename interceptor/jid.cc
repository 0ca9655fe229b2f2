#include "interceptor/jid.h"

#include <algorithm>
#include <cctype>

namespace xpush::interceptor {

namespace {
constexpr std::size_t kMaxPart = 1023;  // RFC 7622 §3.1

std::string lower_ascii(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

std::optional<Jid> Jid::parse(std::string_view text) {
  Jid jid;
  const auto slash = text.find('/');
  if (slash != std::string_view::npos) {
    jid.resource = std::string{text.substr(slash + 1)};
    text = text.substr(0, slash);
    if (jid.resource.empty()) return std::nullopt;
  }
  const auto at = text.find('@');
  if (at != std::string_view::npos) {
    jid.local = lower_ascii(text.substr(0, at));
    text = text.substr(at + 1);
    if (jid.local.empty()) return std::nullopt;
  }
  jid.domain = lower_ascii(text);
  if (jid.domain.empty() || jid.domain.find('@') != std::string::npos) return std::nullopt;
  if (jid.local.size() > kMaxPart || jid.domain.size() > kMaxPart ||
      jid.resource.size() > kMaxPart) {
    return std::nullopt;
  }
  return jid;
}

std::string Jid::bare() const { return local.empty() ? domain : local + "@" + domain; }

std::string Jid::full() const { return resource.empty() ? bare() : bare() + "/" + resource; }

}  // namespace xpush::interceptor
