// Helpers shared by the vendor APIs (push/vendor_*.cc); not for other parts.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "push/vendor_api.h"

namespace xpush::push::vendor {

using nlohmann::json;

// The body as JSON; an empty object when it is not JSON.
json json_body(std::string_view body);
// A code as text, whether the vendor wrote it as a number or a string.
std::string code_of(const json& value);

const VendorCode* find_code(std::span<const VendorCode> table, std::string_view code);
// The result a table row stands for; unknown codes are rejected with the
// code and description in the reason.
PushResult result_for(std::string_view vendor, std::span<const VendorCode> table, std::string_view code,
                      std::string_view description, int status);
// HTTP-level trouble before any business code: 5xx and 429 retried (with
// Retry-After), 401 re-authenticated; nullopt for an answer to read further.
std::optional<PushResult> http_trouble(std::string_view vendor, const HttpResponse& response, TimePoint now);

// {"access_token": ..., "expires_in": seconds} from an OAuth 2.0 token endpoint.
tl::expected<AccessToken, std::string> read_oauth_token(std::string_view vendor, const HttpResponse& response,
                                                        TimePoint now);
HttpRequest client_credentials_request(const VendorApp& app);

// How a vendor counts a text's length against its limit.
enum class Count {
  kUtf16,       // UTF-16 code units (a Java String's length)
  kWideDouble,  // ASCII 1, anything else 2 (vivo: "a Chinese character is two")
};
std::size_t length_of(std::string_view text, Count count);
// `text` cut at a grapheme cluster boundary, with an ellipsis, so that it
// counts at most `max` (text must be valid UTF-8).
std::string fit_text(std::string_view text, std::size_t max, Count count);

// The JSON message `render(title, body)` makes, the text cut (body first,
// then title) so that it is at most `limit` bytes.
using RenderMessage = std::function<json(std::string_view title, std::string_view body)>;
tl::expected<json, std::string> fitted_message(std::size_t limit, const Notification& n, const RenderMessage& render);

std::int64_t unix_ms(TimePoint t);
// A positive 31-bit id from the collapse key (the same key replaces the
// notification on the phone) or else the notification id (one each).
std::int32_t notify_id(const Notification& n);
std::string data_json(const Notification& n);
std::string channel_of(const Notification& n, const VendorApp& app);
std::string category_of(const Notification& n, const VendorApp& app);
// "low", "normal" or "high": the rules' importance, else "normal".
std::string importance_of(const Notification& n);
std::int64_t ttl_seconds(const Notification& n, TimePoint now);

}  // namespace xpush::push::vendor
