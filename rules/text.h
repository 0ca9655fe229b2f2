// Text helpers for rules: JID patterns and cutting text for people to read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xpush::rules {

// Shell-style pattern: '*' any run of characters, '?' one byte, the rest
// literal; case-insensitive for ASCII (JIDs reach us lower-cased).
bool glob_match(std::string_view pattern, std::string_view text);

// At most `max_graphemes` user-perceived characters (Unicode grapheme
// clusters, by ICU), with "…" appended when something was cut. Never splits
// an emoji sequence or a combining mark from its base.
std::string truncate_graphemes(std::string_view text, std::size_t max_graphemes);

}  // namespace xpush::rules
