#include "rules/text.h"

#include <unicode/ubrk.h>
#include <unicode/utext.h>


namespace xpush::rules {

namespace {
constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
constexpr bool same_char(char a, char b) { return a == b || ascii_lower(a) == ascii_lower(b); }
}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one back-track point: linear in practice and
  // never exponential, whatever the pattern.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || same_char(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string truncate_graphemes(std::string_view text, std::size_t max_graphemes) {
  // Every cluster takes at least one byte: short texts need no ICU.
  if (text.size() <= max_graphemes) return std::string{text};
  UErrorCode status = U_ZERO_ERROR;
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  UBreakIterator* it = ubrk_open(UBRK_CHARACTER, "", nullptr, 0, &status);
  std::string out{text};
  if (U_SUCCESS(status)) {
    ubrk_setUText(it, utext, &status);
    std::size_t count = 0;
    for (int32_t at = ubrk_first(it); U_SUCCESS(status) && at != UBRK_DONE; at = ubrk_next(it)) {
      // With a UTF-8 UText, ICU's offsets are byte offsets into `text`.
      if (count++ == max_graphemes) {
        if (static_cast<std::size_t>(at) < text.size()) {
          out = std::string{text.substr(0, static_cast<std::size_t>(at))} + "\xE2\x80\xA6";
        }
        break;
      }
    }
  }
  ubrk_close(it);
  utext_close(utext);
  return out;
}

}  // namespace xpush::rules
