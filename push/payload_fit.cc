#include "push/payload_fit.h"

#include <unicode/ubrk.h>
#include <unicode/utext.h>

namespace xpush::push {

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of a sequence.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

std::string_view grapheme_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  UErrorCode status = U_ZERO_ERROR;
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  UBreakIterator* it = ubrk_open(UBRK_CHARACTER, "", nullptr, 0, &status);
  std::string_view out = utf8_prefix(text, max_bytes);  // if ICU cannot help
  if (U_SUCCESS(status)) {
    ubrk_setUText(it, utext, &status);
    // With a UTF-8 UText, ICU's offsets are byte offsets into `text`. Start
    // from a code point boundary: ICU pins an offset inside a code point to
    // its start before looking back, which would skip a valid boundary.
    const auto at = static_cast<int32_t>(out.size());
    int32_t boundary = UBRK_DONE;
    if (U_SUCCESS(status)) boundary = ubrk_isBoundary(it, at) ? at : ubrk_preceding(it, at);
    if (boundary != UBRK_DONE) out = text.substr(0, static_cast<std::size_t>(boundary));
  }
  ubrk_close(it);
  utext_close(utext);
  return out;
}

namespace {

std::string shortened(std::string_view text, std::size_t keep) {
  if (keep >= text.size()) return std::string{text};
  std::string out{grapheme_prefix(text, keep)};
  out += kEllipsis;
  return out;
}

// The most bytes of `text` that can be kept (with an ellipsis) while
// render(keep) fits; rendering grows with `keep`, so a binary search works.
std::optional<std::string> longest_fitting(std::size_t limit, std::string_view text,
                                           const std::function<std::string(const std::string&)>& render) {
  if (render("").size() > limit) return std::nullopt;
  std::size_t low = 0;
  std::size_t high = text.size();
  while (low < high) {
    const std::size_t mid = (low + high + 1) / 2;
    if (render(shortened(text, mid)).size() <= limit) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return low == 0 ? std::string{} : shortened(text, low);
}

}  // namespace

std::optional<FittedPayload> fit_payload(std::size_t limit, std::string_view title,
                                         std::string_view body, const RenderPayload& render) {
  std::string json = render(title, body);
  if (json.size() <= limit) return FittedPayload{std::move(json), false};
  const std::string full_title{title};
  if (auto kept_body = longest_fitting(
          limit, body, [&](const std::string& b) { return render(full_title, b); })) {
    return FittedPayload{render(full_title, *kept_body), true};
  }
  auto kept_title = longest_fitting(limit, title, [&](const std::string& t) { return render(t, ""); });
  if (!kept_title) return std::nullopt;
  return FittedPayload{render(*kept_title, ""), true};
}

}  // namespace xpush::push
