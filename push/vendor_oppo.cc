// OPPO Push: POST /server/v1/auth (form: app_key, timestamp in ms,
// sign = hex(SHA256(app_key + timestamp + master_secret))) for a token valid
// 24 h, then POST /server/v1/message/notification/unicast (form: message as
// JSON, auth_token). OPPO carries notifications only: no silent push.
#include <openssl/evp.h>

#include <array>

#include "base/hex.h"
#include "push/vendor_common.h"

namespace xpush::push {

namespace {

using vendor::json;

constexpr std::array kOppoCodes = {
    VendorCode{"0", CodeMeaning::kDelivered, "success"},
    VendorCode{"-1", CodeMeaning::kRetry, "service busy"},
    VendorCode{"-2", CodeMeaning::kRetry, "flow control"},
    VendorCode{"11", CodeMeaning::kReauth, "invalid auth_token"},
    VendorCode{"12", CodeMeaning::kConfig, "http action not allowed"},
    VendorCode{"13", CodeMeaning::kRetry, "the app's call limit is reached"},
    VendorCode{"14", CodeMeaning::kConfig, "invalid app_key"},
    VendorCode{"15", CodeMeaning::kConfig, "the app may not use this API"},
    VendorCode{"16", CodeMeaning::kConfig, "invalid sign (check the MasterSecret)"},
    VendorCode{"28", CodeMeaning::kTooLarge, "the message is too large"},
    VendorCode{"33", CodeMeaning::kRetry, "the daily quota is used up"},
    VendorCode{"55", CodeMeaning::kRetry, "messages sent too often"},
    VendorCode{"10000", CodeMeaning::kTokenDead, "invalid registration id"},
};

constexpr std::size_t kTitleMax = 50;    // characters
constexpr std::size_t kContentMax = 50;  // characters, standard style
constexpr std::int64_t kMaxOfflineTtl = 10 * 24 * 3600;
constexpr auto kOppoTokenLife = std::chrono::hours{24};

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return base::to_hex(digest, len);
}

int notify_level(std::string_view importance) {
  if (importance == "low") return 1;    // notification bar
  if (importance == "high") return 16;  // bar, lock screen, banner, vibration, ringtone
  return 2;                             // bar and lock screen
}

class OppoApi final : public VendorApi {
 public:
  Platform platform() const override { return Platform::kOppo; }
  std::span<const VendorCode> codes() const override { return kOppoCodes; }

  HttpRequest token_request(const VendorApp& app, TimePoint now) const override {
    const std::string timestamp = std::to_string(vendor::unix_ms(now));
    HttpRequest request;
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.body = form_encode({{"app_key", app.app_key},
                                {"sign", sha256_hex(app.app_key + timestamp + app.secret)},
                                {"timestamp", timestamp}});
    return request;
  }

  tl::expected<AccessToken, std::string> read_token(const HttpResponse& r, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("code") ? vendor::code_of(body["code"]) : std::string{};
    if (r.status == 200 && code == "0" && body.contains("data") && body["data"].is_object() &&
        body["data"].contains("auth_token") && body["data"]["auth_token"].is_string()) {
      return AccessToken{body["data"]["auth_token"].get<std::string>(), now + kOppoTokenLife};
    }
    std::string why = "OPPO auth: HTTP " + std::to_string(r.status);
    if (!code.empty()) why += " code " + code;
    if (body.contains("message") && body["message"].is_string()) why += " " + body["message"].get<std::string>();
    return tl::unexpected(why);
  }

  tl::expected<HttpRequest, std::string> send_request(const Notification& raw, const VendorApp& app,
                                                      std::string_view token, TimePoint now) const override {
    if (raw.kind == Kind::kBackground) return tl::unexpected(std::string{"OPPO has no silent push"});
    const Notification n = sanitized(raw);
    const std::string category = vendor::category_of(n, app);
    json notification = {
        {"title", vendor::fit_text(n.title.empty() ? n.body : n.title, kTitleMax, vendor::Count::kUtf16)},
        {"content", vendor::fit_text(n.body.empty() ? n.title : n.body, kContentMax, vendor::Count::kUtf16)},
        {"click_action_type", 0},
        {"off_line", true},
        {"off_line_ttl", std::min(vendor::ttl_seconds(n, now), kMaxOfflineTtl)},
        {"app_message_id", n.id},
        {"notify_id", vendor::notify_id(n)},
    };
    if (const auto channel = vendor::channel_of(n, app); !channel.empty()) notification["channel_id"] = channel;
    if (!category.empty()) {  // notify_level needs a category
      notification["category"] = category;
      notification["notify_level"] = notify_level(vendor::importance_of(n));
    }
    if (!n.data.empty()) notification["action_parameters"] = vendor::data_json(n);
    const json message = {{"target_type", 2}, {"target_value", n.device.token}, {"notification", notification}};
    HttpRequest request;
    request.path = "/server/v1/message/notification/unicast";
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("auth_token", std::string{token});
    request.body = form_encode({{"message", message.dump(-1, ' ', false, json::error_handler_t::replace)},
                                {"auth_token", std::string{token}}});
    return request;
  }

  PushResult read_answer(const HttpResponse& r, const Notification&, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("code") ? vendor::code_of(body["code"]) : std::string{};
    if (code.empty()) {
      if (auto trouble = vendor::http_trouble("OPPO", r, now)) return *trouble;
      return PushResult{.outcome = Outcome::kRejected, .status = r.status,
                        .reason = "OPPO HTTP " + std::to_string(r.status) + " without a code"};
    }
    const std::string what = body.contains("message") && body["message"].is_string() ? body["message"].get<std::string>() : "";
    PushResult result = vendor::result_for("OPPO", kOppoCodes, code, what, r.status);
    if (code == "33") result.retry_after = kVendorDailyCapPause;
    return result;
  }
};

}  // namespace

std::unique_ptr<VendorApi> make_oppo_api() { return std::make_unique<OppoApi>(); }

}  // namespace xpush::push
