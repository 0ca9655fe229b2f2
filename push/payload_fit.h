// Fitting notification text into a provider's payload limit. The limit holds
// for the bytes sent, i.e. after JSON escaping, so the text is cut and the
// payload rendered again until it fits: the body first, then the title, each
// at a grapheme cluster boundary (never inside an emoji ZWJ sequence, a flag
// pair or a combining sequence) and ended with an ellipsis.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xpush::push {

inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// The longest prefix of `text` of at most `max_bytes` bytes that ends on a
// code point boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);
// The same, ending on a grapheme cluster boundary (Unicode UAX #29, by ICU).
// `text` must be valid UTF-8.
std::string_view grapheme_prefix(std::string_view text, std::size_t max_bytes);

struct FittedPayload {
  std::string json;
  bool truncated = false;
};

using RenderPayload = std::function<std::string(std::string_view title, std::string_view body)>;

// nullopt when the payload exceeds `limit` even with empty title and body.
std::optional<FittedPayload> fit_payload(std::size_t limit, std::string_view title,
                                         std::string_view body, const RenderPayload& render);

}  // namespace xpush::push
