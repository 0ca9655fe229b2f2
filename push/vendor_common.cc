#include "push/vendor_common.h"

#include <algorithm>

#include "push/payload_fit.h"
#include "push/provider_response.h"

namespace xpush::push::vendor {

json json_body(std::string_view body) {
  auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() || !j.is_object() ? json::object() : j;
}

std::string code_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return {};
}

const VendorCode* find_code(std::span<const VendorCode> table, std::string_view code) {
  const auto it = std::find_if(table.begin(), table.end(), [code](const VendorCode& row) { return row.code == code; });
  return it == table.end() ? nullptr : &*it;
}

PushResult result_for(std::string_view vendor, std::span<const VendorCode> table, std::string_view code,
                      std::string_view description, int status) {
  const VendorCode* row = find_code(table, code);
  std::string reason = std::string{vendor} + " " + std::string{code};
  if (row) reason += " " + std::string{row->what};
  else if (!description.empty()) reason += " " + std::string{description};
  PushResult result{.outcome = Outcome::kRejected, .status = status, .reason = std::move(reason)};
  switch (row ? row->meaning : CodeMeaning::kRejected) {
    case CodeMeaning::kDelivered: return PushResult{.outcome = Outcome::kDelivered, .status = status};
    case CodeMeaning::kRetry: result.outcome = Outcome::kRetry; break;
    case CodeMeaning::kReauth: result.outcome = Outcome::kRefreshAuth; break;
    case CodeMeaning::kTokenDead: result.outcome = Outcome::kTokenInvalid; break;
    case CodeMeaning::kConfig:
      result.outcome = Outcome::kRetry;
      result.retry_after = kVendorConfigPause;
      result.reason = "configuration: " + result.reason;
      break;
    case CodeMeaning::kTooLarge:
    case CodeMeaning::kRejected: break;
  }
  return result;
}

std::optional<PushResult> http_trouble(std::string_view vendor, const HttpResponse& r, TimePoint now) {
  const std::string reason = std::string{vendor} + " HTTP " + std::to_string(r.status);
  if (r.status == 429 || r.status >= 500) {
    PushResult retry{.outcome = Outcome::kRetry, .status = r.status, .reason = reason};
    if (auto value = r.header("retry-after")) retry.retry_after = parse_retry_after(*value, now);
    return retry;
  }
  if (r.status == 401) return PushResult{.outcome = Outcome::kRefreshAuth, .status = r.status, .reason = reason};
  return std::nullopt;
}

tl::expected<AccessToken, std::string> read_oauth_token(std::string_view vendor, const HttpResponse& r,
                                                        TimePoint now) {
  const json j = json_body(r.body);
  const auto token = j.find("access_token");
  const auto expires = j.find("expires_in");
  if (r.status == 200 && token != j.end() && token->is_string() && !token->get<std::string>().empty() &&
      expires != j.end() && expires->is_number_integer()) {
    return AccessToken{token->get<std::string>(), now + std::chrono::seconds{expires->get<long long>()}};
  }
  std::string why = std::string{vendor} + " token endpoint: HTTP " + std::to_string(r.status);
  for (const char* key : {"error", "error_description", "sub_error"}) {
    if (const auto it = j.find(key); it != j.end() && !code_of(*it).empty()) why += " " + code_of(*it);
    if (const auto it = j.find(key); it != j.end() && it->is_string() && code_of(*it).empty()) {
      why += " " + it->get<std::string>();
    }
  }
  if (r.status == 200) why += " without access_token and expires_in";
  return tl::unexpected(why);
}

HttpRequest client_credentials_request(const VendorApp& app) {
  HttpRequest request;
  request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  request.body = form_encode({{"grant_type", "client_credentials"},
                              {"client_id", app.client_id.empty() ? app.app_id : app.client_id},
                              {"client_secret", app.secret}});
  return request;
}

namespace {
// The code point starting at `i`, and where the next one starts.
char32_t decode(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  ++i;
  for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  return cp;
}
}  // namespace

std::size_t length_of(std::string_view text, Count count) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char32_t cp = decode(text, i);
    const std::size_t utf16 = cp >= 0x10000 ? 2 : 1;
    n += count == Count::kUtf16 ? utf16 : (cp < 0x80 ? 1 : 2 * utf16);
  }
  return n;
}

std::string fit_text(std::string_view text, std::size_t max, Count count) {
  if (length_of(text, count) <= max) return std::string{text};
  const std::size_t ellipsis = length_of(kEllipsis, count);
  if (max < ellipsis) return {};
  // The longest grapheme-aligned prefix that, with the ellipsis, fits.
  std::size_t low = 0;
  std::size_t high = text.size();
  while (low < high) {
    const std::size_t mid = (low + high + 1) / 2;
    if (length_of(grapheme_prefix(text, mid), count) + ellipsis <= max) {
      low = mid;
    } else {
      high = mid - 1;
    }
  }
  return std::string{grapheme_prefix(text, low)} + std::string{kEllipsis};
}

tl::expected<json, std::string> fitted_message(std::size_t limit, const Notification& n, const RenderMessage& render) {
  const auto text = [&render](std::string_view title, std::string_view body) {
    return render(title, body).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  auto fitted = fit_payload(limit, n.title, n.body, text);
  if (!fitted) return tl::unexpected("message larger than " + std::to_string(limit) + " bytes");
  return json::parse(fitted->json);
}

std::int64_t unix_ms(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::int32_t notify_id(const Notification& n) {
  // The same for a message, its correction and its retraction (the tag), so
  // the later one replaces the earlier on the phone.
  const std::string& key = !n.collapse_key.empty() ? n.collapse_key : !n.tag.empty() ? n.tag : n.id;
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : key) hash = (hash ^ c) * 16777619u;
  return static_cast<std::int32_t>(hash & 0x7FFFFFFF);
}

std::string data_json(const Notification& n) {
  return json(n.data).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string channel_of(const Notification& n, const VendorApp& app) {
  return n.channel_id.empty() ? app.channel_id : n.channel_id;
}

std::string category_of(const Notification& n, const VendorApp& app) {
  return n.vendor_category.empty() ? app.category : n.vendor_category;
}

std::string importance_of(const Notification& n) {
  return n.importance.empty() ? "normal" : n.importance;
}

std::int64_t ttl_seconds(const Notification& n, TimePoint now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(n.created_at + n.ttl - now);
  return std::max<std::int64_t>(left.count(), 1);
}

}  // namespace xpush::push::vendor
