// Honor Push: OAuth 2.0 client credentials, then
// POST /api/v1/{appId}/sendMessage with a `timestamp` header. Its message
// follows HMS in camelCase; the tokens that died come back in
// data.expireTokens and data.failTokens of an otherwise successful answer.
#include <array>

#include "push/vendor_common.h"

namespace xpush::push {

namespace {

using vendor::json;

constexpr std::array kHonorCodes = {
    VendorCode{"200", CodeMeaning::kDelivered, "success"},
    VendorCode{"80100003", CodeMeaning::kRejected, "the message structure is wrong"},
    VendorCode{"80200001", CodeMeaning::kReauth, "authentication failed"},
    VendorCode{"80200003", CodeMeaning::kReauth, "the access token expired"},
    VendorCode{"80300002", CodeMeaning::kConfig, "the app may not send to these tokens"},
    VendorCode{"80300007", CodeMeaning::kTokenDead, "all tokens are invalid"},
    VendorCode{"80300008", CodeMeaning::kTooLarge, "the message is too large"},
    VendorCode{"81000001", CodeMeaning::kRetry, "internal error"},
};

constexpr std::size_t kHonorMessageLimit = 4096;

bool listed(const json& data, const char* key, std::string_view token) {
  const auto it = data.find(key);
  if (it == data.end() || !it->is_array()) return false;
  for (const auto& t : *it) {
    if (t.is_string() && t.get<std::string>() == token) return true;
  }
  return false;
}

class HonorApi final : public VendorApi {
 public:
  Platform platform() const override { return Platform::kHonor; }
  std::span<const VendorCode> codes() const override { return kHonorCodes; }

  HttpRequest token_request(const VendorApp& app, TimePoint) const override {
    return vendor::client_credentials_request(app);
  }
  tl::expected<AccessToken, std::string> read_token(const HttpResponse& r, TimePoint now) const override {
    return vendor::read_oauth_token("Honor", r, now);
  }

  tl::expected<HttpRequest, std::string> send_request(const Notification& raw, const VendorApp& app,
                                                      std::string_view token, TimePoint now) const override {
    const Notification n = sanitized(raw);
    auto fitted = vendor::fitted_message(kHonorMessageLimit, n, [&](std::string_view title, std::string_view body) {
      return message(n, app, title, body, now);
    });
    if (!fitted) return tl::unexpected(fitted.error());
    json message = std::move(*fitted);
    message["token"] = json::array({n.device.token});
    HttpRequest request;
    request.path = "/api/v1/" + url_encode(app.app_id) + "/sendMessage";
    request.headers.emplace_back("content-type", "application/json");
    request.headers.emplace_back("authorization", "Bearer " + std::string{token});
    request.headers.emplace_back("timestamp", std::to_string(vendor::unix_ms(now)));
    request.body = message.dump(-1, ' ', false, json::error_handler_t::replace);
    return request;
  }

  PushResult read_answer(const HttpResponse& r, const Notification& n, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("code") ? vendor::code_of(body["code"]) : std::string{};
    if (code.empty()) {
      if (auto trouble = vendor::http_trouble("Honor", r, now)) return *trouble;
      return PushResult{.outcome = Outcome::kRejected, .status = r.status,
                        .reason = "Honor HTTP " + std::to_string(r.status) + " without a code"};
    }
    const json data = body.contains("data") && body["data"].is_object() ? body["data"] : json::object();
    if (listed(data, "expireTokens", n.device.token) || listed(data, "failTokens", n.device.token)) {
      return PushResult{.outcome = Outcome::kTokenInvalid, .status = r.status,
                        .reason = "Honor: the token is listed as expired or failed"};
    }
    const std::string what = body.contains("message") && body["message"].is_string() ? body["message"].get<std::string>() : "";
    return vendor::result_for("Honor", kHonorCodes, code, what, r.status);
  }

 private:
  static json message(const Notification& n, const VendorApp& app, std::string_view title, std::string_view body,
                      TimePoint now) {
    json android = {{"ttl", std::to_string(vendor::ttl_seconds(n, now)) + "s"}, {"biTag", n.id}};
    json message = json::object();
    if (!n.data.empty() || n.kind == Kind::kBackground) {
      message["data"] = vendor::data_json(n);
      android["data"] = vendor::data_json(n);
    }
    if (n.kind != Kind::kBackground) {
      json notification = {{"title", title},
                           {"body", body},
                           {"clickAction", {{"type", 3}}},
                           {"importance", vendor::importance_of(n) == "low" ? "LOW" : "NORMAL"}};
      if (const auto channel = vendor::channel_of(n, app); !channel.empty()) notification["channelId"] = channel;
      if (const auto& tag = n.collapse_key.empty() ? n.tag : n.collapse_key; !tag.empty()) notification["tag"] = tag;
      android["notification"] = std::move(notification);
    }
    message["android"] = std::move(android);
    return message;
  }
};

}  // namespace

std::unique_ptr<VendorApi> make_honor_api() { return std::make_unique<HonorApi>(); }

}  // namespace xpush::push
