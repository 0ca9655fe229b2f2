// vivo Push: POST /message/auth (JSON: appId, appKey, timestamp in ms,
// sign = lower(MD5(appId + appKey + timestamp + appSecret))) for a token
// valid a day, then POST /message/send with it in the `authToken` header.
// A device that is gone comes back as `invalidUser` in a successful answer.
// vivo carries notifications only: no silent push.
#include <openssl/evp.h>

#include <array>

#include "base/hex.h"
#include "push/vendor_common.h"

namespace xpush::push {

namespace {

using vendor::json;

constexpr std::array kVivoCodes = {
    VendorCode{"0", CodeMeaning::kDelivered, "success"},
    VendorCode{"10000", CodeMeaning::kReauth, "the authToken is invalid or expired"},
    VendorCode{"10040", CodeMeaning::kRetry, "too many requests"},
    VendorCode{"10054", CodeMeaning::kTooLarge, "the title is too long"},
    VendorCode{"10055", CodeMeaning::kTooLarge, "the content is too long"},
    VendorCode{"10070", CodeMeaning::kRetry, "the daily quota is used up"},
    VendorCode{"10071", CodeMeaning::kRetry, "the send timed out at vivo"},
    VendorCode{"10101", CodeMeaning::kConfig, "the appId, appKey or sign is wrong"},
    VendorCode{"10102", CodeMeaning::kConfig, "the timestamp is out of the ten minute window"},
};

// invalidUser.status: 1 no such regId, 2 app uninstalled or notifications
// off, 3 offline for 90 days: the device is gone. 4 (not a test user) is
// the app's test mode: configuration.
constexpr int kNotATestUser = 4;

constexpr std::size_t kTitleMax = 40;     // "20 Chinese or 40 English characters"
constexpr std::size_t kContentMax = 100;  // "50 Chinese or 100 English characters"
constexpr std::int64_t kMinTtl = 60;
constexpr std::int64_t kMaxTtl = 7 * 24 * 3600;
constexpr auto kVivoTokenLife = std::chrono::hours{24};

std::string md5_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_md5(), nullptr);
  return base::to_hex(digest, len);
}

class VivoApi final : public VendorApi {
 public:
  Platform platform() const override { return Platform::kVivo; }
  std::span<const VendorCode> codes() const override { return kVivoCodes; }

  HttpRequest token_request(const VendorApp& app, TimePoint now) const override {
    const auto timestamp = vendor::unix_ms(now);
    HttpRequest request;
    request.headers.emplace_back("content-type", "application/json");
    request.body = json{{"appId", app.app_id},
                        {"appKey", app.app_key},
                        {"timestamp", timestamp},
                        {"sign", md5_hex(app.app_id + app.app_key + std::to_string(timestamp) + app.secret)}}
                       .dump();
    return request;
  }

  tl::expected<AccessToken, std::string> read_token(const HttpResponse& r, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("result") ? vendor::code_of(body["result"]) : std::string{};
    if (r.status == 200 && code == "0" && body.contains("authToken") && body["authToken"].is_string()) {
      return AccessToken{body["authToken"].get<std::string>(), now + kVivoTokenLife};
    }
    std::string why = "vivo auth: HTTP " + std::to_string(r.status);
    if (!code.empty()) why += " result " + code;
    if (body.contains("desc") && body["desc"].is_string()) why += " " + body["desc"].get<std::string>();
    return tl::unexpected(why);
  }

  tl::expected<HttpRequest, std::string> send_request(const Notification& raw, const VendorApp& app,
                                                      std::string_view token, TimePoint now) const override {
    if (raw.kind == Kind::kBackground) return tl::unexpected(std::string{"vivo has no silent push"});
    const Notification n = sanitized(raw);
    const std::string category = vendor::category_of(n, app);
    json message = {
        {"appId", app.app_id},
        {"regId", n.device.token},
        {"notifyType", n.sound.empty() ? 3 : 4},
        {"title", vendor::fit_text(n.title.empty() ? n.body : n.title, kTitleMax, vendor::Count::kWideDouble)},
        {"content", vendor::fit_text(n.body.empty() ? n.title : n.body, kContentMax, vendor::Count::kWideDouble)},
        {"timeToLive", std::clamp(vendor::ttl_seconds(n, now), kMinTtl, kMaxTtl)},
        {"skipType", 1},
        // 1: a system message (chats, calls); 0: operations (marketing).
        {"classification", category == "MARKETING" ? 0 : 1},
        {"requestId", n.id.substr(0, 64)},
        {"notifyId", vendor::notify_id(n)},
    };
    if (!category.empty()) message["category"] = category;
    if (!n.data.empty()) message["clientCustomMap"] = n.data;
    HttpRequest request;
    request.path = "/message/send";
    request.headers.emplace_back("content-type", "application/json");
    request.headers.emplace_back("authtoken", std::string{token});
    request.body = message.dump(-1, ' ', false, json::error_handler_t::replace);
    return request;
  }

  PushResult read_answer(const HttpResponse& r, const Notification&, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("result") ? vendor::code_of(body["result"]) : std::string{};
    if (code.empty()) {
      if (auto trouble = vendor::http_trouble("vivo", r, now)) return *trouble;
      return PushResult{.outcome = Outcome::kRejected, .status = r.status,
                        .reason = "vivo HTTP " + std::to_string(r.status) + " without a result"};
    }
    if (const auto invalid = body.find("invalidUser"); invalid != body.end() && invalid->is_object()) {
      const int status = invalid->value("status", 0);
      if (status == kNotATestUser) {
        return PushResult{.outcome = Outcome::kRetry, .status = r.status, .reason = "configuration: vivo: not a test user",
                          .retry_after = kVendorConfigPause};
      }
      return PushResult{.outcome = Outcome::kTokenInvalid, .status = r.status,
                        .reason = "vivo invalidUser status " + std::to_string(status)};
    }
    const std::string what = body.contains("desc") && body["desc"].is_string() ? body["desc"].get<std::string>() : "";
    PushResult result = vendor::result_for("vivo", kVivoCodes, code, what, r.status);
    if (code == "10070") result.retry_after = kVendorDailyCapPause;
    return result;
  }
};

}  // namespace

std::unique_ptr<VendorApi> make_vivo_api() { return std::make_unique<VivoApi>(); }

}  // namespace xpush::push
