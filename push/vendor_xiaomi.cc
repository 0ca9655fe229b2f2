// Xiaomi MiPush: POST /v3/message/regid, form-encoded, `Authorization:
// key=<AppSecret>`; no token to obtain. A notification needs a channel
// (extra.channel_id) and its own notify_id, or the phone shows only the
// latest one.
#include <array>
#include <sstream>

#include "push/vendor_common.h"

namespace xpush::push {

namespace {

using vendor::json;

constexpr std::array kXiaomiCodes = {
    VendorCode{"0", CodeMeaning::kDelivered, "success"},
    VendorCode{"10017", CodeMeaning::kTokenDead, "invalid registration id"},
    VendorCode{"10027", CodeMeaning::kRetry, "too many messages to this device, too often"},
    VendorCode{"10034", CodeMeaning::kRetry, "the daily quota is used up"},
    VendorCode{"21301", CodeMeaning::kConfig, "authentication failed (check the AppSecret)"},
    VendorCode{"21305", CodeMeaning::kConfig, "the package name does not belong to the app"},
    VendorCode{"65003", CodeMeaning::kTokenDead, "device not found"},
};

// "less than 50" and "less than 128" characters, counted as Java does.
constexpr std::size_t kTitleMax = 49;
constexpr std::size_t kDescriptionMax = 127;

bool in_list(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const auto item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item == token) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

class XiaomiApi final : public VendorApi {
 public:
  Platform platform() const override { return Platform::kXiaomi; }
  std::span<const VendorCode> codes() const override { return kXiaomiCodes; }
  bool uses_token() const override { return false; }

  HttpRequest token_request(const VendorApp&, TimePoint) const override { return {}; }
  tl::expected<AccessToken, std::string> read_token(const HttpResponse&, TimePoint) const override {
    return tl::unexpected(std::string{"Xiaomi has no token endpoint"});
  }

  tl::expected<HttpRequest, std::string> send_request(const Notification& raw, const VendorApp& app,
                                                      std::string_view, TimePoint now) const override {
    const Notification n = sanitized(raw);
    const std::string channel = vendor::channel_of(n, app);
    std::vector<std::pair<std::string, std::string>> form = {
        {"registration_id", n.device.token},
        {"restricted_package_name", app.package},
        {"time_to_live", std::to_string(vendor::ttl_seconds(n, now) * 1000)},
        {"payload", vendor::data_json(n)},
    };
    if (n.kind == Kind::kBackground) {
      form.emplace_back("pass_through", "1");
    } else {
      if (channel.empty()) return tl::unexpected(std::string{"Xiaomi needs a channel_id (the app's or the rule's)"});
      // Neither may be empty or blank.
      const std::string title = vendor::fit_text(n.title.empty() ? std::string{kPlaceholder} : n.title, kTitleMax,
                                                 vendor::Count::kUtf16);
      const std::string body = vendor::fit_text(n.body.empty() ? title : n.body, kDescriptionMax,
                                                vendor::Count::kUtf16);
      form.insert(form.end(), {{"pass_through", "0"},
                               {"title", title},
                               {"description", body},
                               {"notify_type", n.sound.empty() ? "2" : "-1"},
                               {"notify_id", std::to_string(vendor::notify_id(n))},
                               {"extra.channel_id", channel},
                               {"extra.notify_foreground", "1"},
                               {"extra.notify_effect", "1"}});
    }
    HttpRequest request;
    request.path = "/v3/message/regid";
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.headers.emplace_back("authorization", "key=" + app.secret);
    request.body = form_encode(form);
    return request;
  }

  PushResult read_answer(const HttpResponse& r, const Notification& n, TimePoint now) const override {
    const json body = vendor::json_body(r.body);
    const std::string code = body.contains("code") ? vendor::code_of(body["code"]) : std::string{};
    if (code.empty()) {
      if (auto trouble = vendor::http_trouble("Xiaomi", r, now)) return *trouble;
      return PushResult{.outcome = Outcome::kRejected, .status = r.status,
                        .reason = "Xiaomi HTTP " + std::to_string(r.status) + " without a code"};
    }
    if (code == "0" && body.contains("data") && body["data"].is_object()) {
      const auto bad = body["data"].find("bad_regids");
      if (bad != body["data"].end() && bad->is_string() && in_list(bad->get<std::string>(), n.device.token)) {
        return PushResult{.outcome = Outcome::kTokenInvalid, .status = r.status,
                          .reason = "Xiaomi: the registration id is listed in bad_regids"};
      }
    }
    std::string what = body.contains("reason") && body["reason"].is_string() ? body["reason"].get<std::string>() : "";
    PushResult result = vendor::result_for("Xiaomi", kXiaomiCodes, code, what, r.status);
    if (code == "10034") result.retry_after = kVendorDailyCapPause;
    return result;
  }

 private:
  static constexpr std::string_view kPlaceholder = "\xE2\x80\xA6";  // a notification needs a title
};

}  // namespace

std::unique_ptr<VendorApi> make_xiaomi_api() { return std::make_unique<XiaomiApi>(); }

}  // namespace xpush::push
