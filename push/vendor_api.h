// The Android phone makers' push services (Huawei HMS Push Kit, Honor,
// Xiaomi, OPPO, vivo) as pure functions: how to obtain an access token, the
// send request for one notification, and what the vendor's answer means.
// Every vendor answers HTTP 200 with a business code in the body; each has
// one table from code to meaning (`vendor_codes`), so the mapping can be
// read, documented and tested row by row. VendorProvider does the I/O.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "push/http_message.h"
#include "push/jwt.h"
#include "push/notification.h"

namespace xpush::push {

bool is_vendor(Platform platform);

// One configured app of a vendor. Which fields a vendor reads:
//   hms, honor: app_id (in the send path), client_id (OAuth; default app_id), secret
//   xiaomi:     package (restricted_package_name), secret (the AppSecret)
//   oppo:       app_key, secret (the MasterSecret)
//   vivo:       app_id, app_key, secret (the AppSecret)
struct VendorApp {
  std::string name;
  std::string app_id;
  std::string client_id;
  std::string app_key;
  std::string package;
  std::string secret;      // read from the configured file, never inline
  std::string channel_id;  // the Android notification channel when the rules name none
  std::string category;    // the vendor's message category when the rules name none (IM)
};

// What a business code means. kConfig: the operator's credentials or
// entitlement are wrong; retried with a pause so that a fixed configuration
// still delivers what is fresh, and logged as such.
enum class CodeMeaning { kDelivered, kRetry, kReauth, kTokenDead, kTooLarge, kConfig, kRejected };
std::string_view to_string(CodeMeaning meaning);

struct VendorCode {
  std::string_view code;  // as the vendor writes it: "80000000", "-2", "10027"
  CodeMeaning meaning;
  std::string_view what;  // the vendor's description, for logs and docs
};

// A pause after a daily cap or a configuration error, before trying again.
inline constexpr std::chrono::seconds kVendorDailyCapPause{3600};
inline constexpr std::chrono::seconds kVendorConfigPause{300};

class VendorApi {
 public:
  virtual ~VendorApi() = default;
  virtual Platform platform() const = 0;
  virtual std::span<const VendorCode> codes() const = 0;
  // Whether sends carry an access token obtained first (all but Xiaomi).
  virtual bool uses_token() const { return true; }
  // To the configured auth URL (its path is kept).
  virtual HttpRequest token_request(const VendorApp& app, TimePoint now) const = 0;
  virtual tl::expected<AccessToken, std::string> read_token(const HttpResponse& response, TimePoint now) const = 0;
  // `path` is relative to the configured API URL's path.
  virtual tl::expected<HttpRequest, std::string> send_request(const Notification& notification, const VendorApp& app,
                                                              std::string_view token, TimePoint now) const = 0;
  virtual PushResult read_answer(const HttpResponse& response, const Notification& notification,
                                 TimePoint now) const = 0;
};

// The API of a vendor platform; nullptr for the others.
std::unique_ptr<VendorApi> vendor_api(Platform platform);

// The documented public endpoints, overridden by configuration.
struct VendorUrls {
  std::string_view api;
  std::string_view auth;  // empty: no token endpoint
};
VendorUrls default_vendor_urls(Platform platform);

}  // namespace xpush::push
