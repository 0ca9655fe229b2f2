// A provider-neutral notification, and what a provider made of it. Nothing
// here knows of XMPP: recipient and node are opaque labels for tracing.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xpush::push {

// The Android phone makers' own services follow the four others: Huawei
// (HMS Push Kit), Honor, Xiaomi, OPPO and vivo (push/vendor_api.h).
enum class Platform { kApns, kFcm, kWebPush, kWebhook, kHms, kHonor, kXiaomi, kOppo, kVivo };
inline constexpr Platform kAllPlatforms[] = {Platform::kApns,   Platform::kFcm,  Platform::kWebPush,
                                             Platform::kWebhook, Platform::kHms,  Platform::kHonor,
                                             Platform::kXiaomi,  Platform::kOppo, Platform::kVivo};
enum class Kind {
  kAlert,       // visible: title/body, sound
  kBackground,  // wakes the app silently (content-available / data-only)
  kVoip,        // APNs PushKit: the .voip topic, delivered at once
};

std::string_view to_string(Platform platform);
// "apns", "fcm", "webpush", "webhook", "hms", "honor", "xiaomi", "oppo" or
// "vivo"; nullopt for anything else.
std::optional<Platform> platform_named(std::string_view name);
std::string_view to_string(Kind kind);
// False where the service shows everything it delivers (OPPO, vivo): a
// background notification cannot be sent there.
constexpr bool has_silent_push(Platform p) { return p != Platform::kOppo && p != Platform::kVivo; }

struct Device {
  Platform platform = Platform::kFcm;
  std::string token;  // Web Push: the subscription (push/webpush_request.h)
  std::string app;  // which configured app (topic / project) it belongs to
};

struct Notification {
  std::string id;         // unique per notification: logs, apns-id
  std::string recipient;  // opaque account label
  std::string node;
  Device device;
  Kind kind = Kind::kBackground;
  std::string title;
  std::string subtitle;
  std::string body;
  // Localised on the device: a key of the app's strings with its arguments,
  // used instead of (or, where the device lacks the key, beside) the text.
  std::string title_loc_key;
  std::vector<std::string> title_loc_args;
  std::string loc_key;
  std::vector<std::string> loc_args;
  std::string sound;                // empty: none; "default" for the system sound
  std::optional<int> badge;
  std::string thread_id;            // grouping on the device
  std::string collapse_key;         // replaces an undelivered notification with the same key
  // The message this notification stands for on the device: a later one with
  // the same tag (its correction, its retraction) replaces it in the tray
  // (APNs apns-collapse-id unless collapse_key is set, FCM notification tag).
  std::string tag;
  std::string category;             // APNs category / Android click action: the app's actions
  std::string interruption_level;   // APNs: passive, active, time-sensitive, critical
  bool high_priority = true;        // false: the provider may batch it to save power
  // Android vendor channels: the notification channel (empty: the app's
  // configured one), the importance (low, normal or high; empty: from the
  // priority) and the vendor's message category (IM, VOIP, ...; empty: the
  // app's configured one).
  std::string channel_id;
  std::string importance;
  std::string vendor_category;
  std::map<std::string, std::string> data;  // custom key/values for the app (strings only)
  // A call ringing (kind voip) or that stopped ringing, which the app's own
  // call screen handles. `data` then says so ("event": "call" or
  // "call-ended", "call_id", "media"), and FCM sends a high-priority data
  // message without a notification block, the text as "title" and "body".
  struct Call {
    std::string id;
    bool ended = false;
    std::string media;  // "audio", "video" or empty
  };
  std::optional<Call> call;
  std::string rule;                 // the rule that decided it
  std::chrono::system_clock::time_point created_at{};
  std::chrono::seconds ttl{std::chrono::hours{24}};  // never deliver later than created_at + ttl
};

enum class Outcome {
  kDelivered,
  kRetry,         // temporary: try again after `retry_after` (or the back-off)
  kRefreshAuth,   // the provider token expired: sign a new one, then retry
  kTokenInvalid,  // the device is gone: disable it
  kRejected,      // permanent for this notification
};

std::string_view to_string(Outcome outcome);

// The notification with every text a phone would show made valid UTF-8 of
// XML characters (control characters and broken sequences become U+FFFD).
Notification sanitized(Notification notification);

struct PushResult {
  Outcome outcome = Outcome::kDelivered;
  int status = 0;
  std::string reason;
  std::optional<std::chrono::seconds> retry_after;       // from Retry-After or the provider's rule
  std::optional<std::chrono::milliseconds> token_dead_since;  // APNs 410 timestamp
};

}  // namespace xpush::push
