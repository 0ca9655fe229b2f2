// Huawei HMS Push Kit (and Honor, whose API follows it in camelCase):
// OAuth 2.0 client credentials, then POST /v1/{appId}/messages:send.
#include <array>

#include "push/vendor_common.h"

namespace xpush::push {

namespace {

using vendor::json;

// Push Kit's documented result codes (HTTP 200 unless noted).
constexpr std::array kHmsCodes = {
    VendorCode{"80000000", CodeMeaning::kDelivered, "success"},
    VendorCode{"80100000", CodeMeaning::kTokenDead, "some tokens failed (ours is listed)"},
    VendorCode{"80100001", CodeMeaning::kRejected, "a parameter is wrong"},
    VendorCode{"80100003", CodeMeaning::kRejected, "the message structure is wrong"},
    VendorCode{"80100004", CodeMeaning::kRejected, "the TTL is earlier than now"},
    VendorCode{"80200001", CodeMeaning::kReauth, "OAuth authentication failed"},
    VendorCode{"80200003", CodeMeaning::kReauth, "the OAuth token expired"},
    VendorCode{"80300002", CodeMeaning::kConfig, "the app may not send to these tokens"},
    VendorCode{"80300007", CodeMeaning::kTokenDead, "all tokens are invalid"},
    VendorCode{"80300008", CodeMeaning::kTooLarge, "the message is too large"},
    VendorCode{"80300010", CodeMeaning::kRejected, "too many tokens"},
    VendorCode{"80600003", CodeMeaning::kConfig, "the request OAuth failed (check app id and secret)"},
    VendorCode{"81000001", CodeMeaning::kRetry, "internal error"},
};

constexpr std::size_t kHmsMessageLimit = 4096;  // bytes, without the tokens

class HmsApi final : public VendorApi {
 public:
  Platform platform() const override { return Platform::kHms; }
  std::span<const VendorCode> codes() const override { return kHmsCodes; }

  HttpRequest token_request(const VendorApp& app, TimePoint) const override {
    return vendor::client_credentials_request(app);
  }
  tl::expected<AccessToken, std::string> read_token(const HttpResponse& r, TimePoint now) const override {
    return vendor::read_oauth_token("HMS", r, now);
  }

  tl::expected<HttpRequest, std::string> send_request(const Notification& raw, const VendorApp& app,
                                                      std::string_view token, TimePoint now) const override {
    const Notification n = sanitized(raw);
    auto fitted = vendor::fitted_message(kHmsMessageLimit, n, [&](std::string_view title, std::string_view body) {
      return message(n, app, title, body, now);
    });
    if (!fitted) return tl::unexpected(fitted.error());
    json message = std::move(*fitted);
    message["token"] = json::array({n.device.token});
    HttpRequest request;
    request.path = "/v1/" + url_encode(app.app_id) + "/messages:send";
    request.headers.emplace_back("content-type", "application/json");
    request.headers.emplace_back("authorization", "Bearer " + std::string{token});
    request.body = json{{"validate_only", false}, {"message", std::move(message)}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
    return request;
  }

  PushResult read_answer(const HttpResponse& r, const Notification& n, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("code") ? vendor::code_of(body["code"]) : std::string{};
    if (code.empty()) {
      if (auto trouble = vendor::http_trouble("HMS", r, now)) return *trouble;
    }
    const std::string msg = body.contains("msg") && body["msg"].is_string() ? body["msg"].get<std::string>() : "";
    if (code == "80100000" && !listed_as_failed(msg, n.device.token)) {
      return PushResult{.outcome = Outcome::kDelivered, .status = r.status};
    }
    if (code.empty()) return PushResult{.outcome = Outcome::kRejected, .status = r.status,
                                        .reason = "HMS HTTP " + std::to_string(r.status) + " without a code"};
    return vendor::result_for("HMS", kHmsCodes, code, msg, r.status);
  }

 private:
  // 80100000 lists the tokens that failed in `msg`, itself JSON:
  // {"success":1,"failure":1,"illegal_tokens":["..."]}. Unreadable: ours.
  static bool listed_as_failed(std::string_view msg, std::string_view token) {
    const json detail = vendor::json_body(msg);
    const auto it = detail.find("illegal_tokens");
    if (it == detail.end() || !it->is_array()) return true;
    for (const auto& t : *it) {
      if (t.is_string() && t.get<std::string>() == token) return true;
    }
    return false;
  }

  static json message(const Notification& n, const VendorApp& app, std::string_view title, std::string_view body,
                      TimePoint now) {
    json android = {{"urgency", n.high_priority ? "HIGH" : "NORMAL"},
                    {"ttl", std::to_string(vendor::ttl_seconds(n, now)) + "s"},
                    {"bi_tag", n.id}};
    if (const auto category = vendor::category_of(n, app); !category.empty()) android["category"] = category;
    json message = json::object();
    if (!n.data.empty() || n.kind == Kind::kBackground) message["data"] = vendor::data_json(n);
    if (n.kind != Kind::kBackground) {
      json notification = {{"title", title},
                           {"body", body},
                           {"click_action", {{"type", 3}}},
                           {"importance", vendor::importance_of(n) == "low" ? "LOW" : "NORMAL"}};
      if (const auto channel = vendor::channel_of(n, app); !channel.empty()) notification["channel_id"] = channel;
      if (const auto& tag = n.collapse_key.empty() ? n.tag : n.collapse_key; !tag.empty()) notification["tag"] = tag;
      if (!n.sound.empty()) notification["default_sound"] = true;
      android["notification"] = std::move(notification);
    }
    message["android"] = std::move(android);
    return message;
  }
};

}  // namespace

std::unique_ptr<VendorApi> make_hms_api() { return std::make_unique<HmsApi>(); }

}  // namespace xpush::push
