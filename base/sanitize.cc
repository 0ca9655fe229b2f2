#include "base/sanitize.h"

#include <cstdio>

namespace xpush::base {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct Decoded {
  char32_t code_point;  // meaningful when length > 0 and valid
  std::size_t length;   // bytes consumed (>= 1)
  bool valid;
};

// One UTF-8 sequence per Unicode's Table 3-7 of well-formed byte sequences;
// on error, `length` is the maximal subpart to replace with one U+FFFD.
Decoded decode(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2, cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3, cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return {0, 1, false};  // C0, C1, F5-FF, or a stray continuation byte
  }
  for (std::size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) return {0, k, false};  // truncated
    const unsigned char b = byte(i + k);
    if (b < lo || b > hi) return {0, k, false};
    lo = 0x80, hi = 0xBF;
    cp = (cp << 6) | (b & 0x3F);
  }
  return {cp, need + 1, true};
}

bool keep(char32_t c, const SanitizeOptions& o) {
  return is_xml_char(c) && !(o.discouraged == DiscouragedChars::kStrip && is_discouraged(c));
}

std::string describe(char32_t c) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "U+%04X is %s", static_cast<unsigned>(c),
                is_xml_char(c) ? "discouraged in XML" : "not an XML character");
  return buf;
}

// The fast path: printable ASCII, tab, LF, CR need no decoding.
bool plain_ascii(unsigned char b) { return (b >= 0x20 && b < 0x7F) || b == 0x9 || b == 0xA || b == 0xD; }

}  // namespace

bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

bool is_discouraged(char32_t c) {
  return (c >= 0x7F && c <= 0x84) || (c >= 0x86 && c <= 0x9F) || (c >= 0xFDD0 && c <= 0xFDEF) ||
         ((c & 0xFFFE) == 0xFFFE && c <= 0x10FFFF);
}

bool is_clean(std::string_view text, const SanitizeOptions& options) {
  for (std::size_t i = 0; i < text.size();) {
    if (plain_ascii(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const Decoded d = decode(text, i);
    if (!d.valid || !keep(d.code_point, options)) return false;
    i += d.length;
  }
  return true;
}

std::string sanitize(std::string_view text, const SanitizeOptions& options,
                     std::vector<SanitizeChange>* report) {
  std::size_t i = 0;
  while (i < text.size() && plain_ascii(static_cast<unsigned char>(text[i]))) ++i;
  if (i == text.size()) return std::string{text};
  std::string out{text.substr(0, i)};
  out.reserve(text.size() + 8);
  const auto replace = [&](std::size_t at, std::string what) {
    if (options.forbidden == Forbidden::kReplace) out += kReplacement;
    if (report) report->push_back({at, std::move(what)});
  };
  while (i < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[i]);
    if (plain_ascii(b)) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    const Decoded d = decode(text, i);
    if (!d.valid) {
      replace(i, "invalid UTF-8 (" + std::to_string(d.length) + (d.length == 1 ? " byte)" : " bytes)"));
    } else if (!keep(d.code_point, options)) {
      // Discouraged code points are dropped whatever `forbidden` says: they
      // are valid, just unwanted.
      if (is_xml_char(d.code_point)) {
        if (report) report->push_back({i, describe(d.code_point)});
      } else {
        replace(i, describe(d.code_point));
      }
    } else {
      out.append(text.substr(i, d.length));
    }
    i += d.length;
  }
  return out;
}

}  // namespace xpush::base
