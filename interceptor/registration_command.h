// Device registration over XEP-0050 ad-hoc commands, in the two dialects that
// existing apps speak: p2 / Conversations (register-push-apns|fcm with token
// and device-id, answered with node and secret) and mod_push_appserver
// (v1-register-push with type, node and token), and Web Push subscriptions
// (register-push-webpush with endpoint, p256dh and auth, docs/webpush.md),
// and devices reached through the operator's signed webhook
// (register-push-webhook with an opaque token, docs/webhook.md), and the
// Android phone makers' services (register-push-hms, -honor, -xiaomi,
// -oppo, -vivo with the token the vendor's SDK gave, docs/vendors.md), and
// Tigase clients (register-device with provider, device-token and an
// optional device-second-token, answered with node alone: no secret).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

#include "interceptor/element.h"
#include "interceptor/iq.h"

namespace xpush::interceptor {

enum class PushService { kApns, kFcm, kWebPush, kWebhook, kHms, kHonor, kXiaomi, kOppo, kVivo };
enum class CommandKind { kRegister, kUnregister };
enum class CommandDialect { kP2, kAppserverV1, kTigase };

std::string_view to_string(PushService service);
// "apns", "fcm", "webpush", "webhook", "hms", "honor", "xiaomi", "oppo", "vivo".
std::optional<PushService> push_service_named(std::string_view name);

struct CommandName {
  std::string_view node;
  std::string_view title;
};
const std::vector<CommandName>& registration_command_names();

struct RegistrationCommand {
  CommandKind kind;
  CommandDialect dialect;
  PushService service;
  std::string account;    // bare JID of the sender
  std::string domain;     // its server: the only one allowed to publish for it
  std::string device_id;  // p2: device-id / android-id; v1: the client's node; Tigase: from the token
  std::string token;      // empty for unregister
  std::string voip_token; // APNs: the app's PushKit token for calls (optional)
  std::string muc;        // optional bare MUC JID (p2)
  std::string app;        // optional: which configured app (an xpush extension field)
  // Web Push: the subscription as the browser gave it, checked for form
  // only here (the keys and the endpoint's address are the push side's).
  struct WebPush {
    std::string endpoint;
    std::string p256dh;
    std::string auth;
  };
  WebPush webpush;
};

struct CommandError {
  ErrorType type;
  std::string condition;
  std::string text;
};

tl::expected<RegistrationCommand, CommandError> parse_registration_command(const Element& iq);

// <command status='completed'> with a result form holding the given fields.
Element command_completed(const Element& request,
                          const std::vector<std::pair<std::string, std::string>>& fields);

inline constexpr std::size_t kMaxTokenBytes = 4096;
inline constexpr std::size_t kMaxEndpointBytes = 2048;
inline constexpr std::size_t kMaxKeyBytes = 128;
inline constexpr std::size_t kMaxDeviceIdBytes = 256;
inline constexpr std::size_t kMaxAppNameBytes = 64;

// The provider strings Tigase clients look for in disco#info and register
// with: Siskin's APNs one and the FCM one.
inline constexpr std::string_view kTigaseApnsProvider = "tigase:messenger:apns:1";
inline constexpr std::string_view kTigaseFcmProvider = "fcm-xmpp-api";

}  // namespace xpush::interceptor
