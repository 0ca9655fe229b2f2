// Properties of the sanitiser on arbitrary bytes, checked by a decoder
// written here independently of it: the output is valid UTF-8 made only of
// XML 1.0 Chars (and none of the discouraged ones when asked), and
// sanitising the output again changes nothing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/sanitize.h"

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

bool xml_char(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

bool discouraged(std::uint32_t c) {
  return (c >= 0x7F && c <= 0x84) || (c >= 0x86 && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
         (c & 0xFFFE) == 0xFFFE;
}

// Strict UTF-8 (RFC 3629): shortest form, no surrogates, at most U+10FFFF.
void check(const std::string& s, bool no_discouraged) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) fail("invalid UTF-8 lead byte or truncated sequence");
    std::uint32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont >> 6) != 2) fail("invalid continuation byte");
      c = (c << 6) | (cont & 0x3F);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n]) fail("overlong form");
    if (!xml_char(c)) fail("a code point outside XML's Char");
    if (no_discouraged && discouraged(c)) fail("a discouraged code point kept");
    i += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xpush::base;
  const std::string input{reinterpret_cast<const char*>(data), size};
  for (const auto forbidden : {Forbidden::kReplace, Forbidden::kDrop}) {
    for (const auto extra : {DiscouragedChars::kKeep, DiscouragedChars::kStrip}) {
      const SanitizeOptions options{.forbidden = forbidden, .discouraged = extra};
      const std::string once = sanitize(input, options);
      check(once, extra == DiscouragedChars::kStrip);
      if (sanitize(once, options) != once) fail("sanitising twice changed the text");
      if (!is_clean(once) && extra == DiscouragedChars::kKeep) fail("is_clean refuses sanitised text");
    }
  }
  if (is_clean(input) && sanitize(input) != input) fail("clean text was changed");
  return 0;
}
