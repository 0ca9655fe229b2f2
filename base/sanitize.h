// Text that is safe in XML and in JSON payloads: valid UTF-8 made only of
// XML 1.0 Char code points (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
// [#x10000-#x10FFFF]). Works on code points, never on bytes or UTF-16 units.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xpush::base {

bool is_xml_char(char32_t c);
// XML 1.0 §2.2 discourages these (controls 7F-84, 86-9F, and non-characters).
bool is_discouraged(char32_t c);

enum class Forbidden { kReplace, kDrop };        // with U+FFFD, or removed
enum class DiscouragedChars { kKeep, kStrip };

struct SanitizeOptions {
  Forbidden forbidden = Forbidden::kReplace;
  DiscouragedChars discouraged = DiscouragedChars::kKeep;
};

struct SanitizeChange {
  std::size_t offset;  // byte offset in the input
  std::string what;    // "invalid UTF-8 (3 bytes)", "U+0001 is not an XML character", ...
};

// Broken UTF-8 (overlong forms, stray continuation bytes, truncated
// sequences, encoded surrogates, values above U+10FFFF) becomes U+FFFD, one
// per maximal ill-formed subpart as Unicode recommends. Clean input is
// returned as it was. Sanitising twice changes nothing more.
std::string sanitize(std::string_view text, const SanitizeOptions& options = {},
                     std::vector<SanitizeChange>* report = nullptr);

// True when sanitize() would return the input unchanged.
bool is_clean(std::string_view text, const SanitizeOptions& options = {});

}  // namespace xpush::base
