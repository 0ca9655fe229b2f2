#include "push/notification.h"

#include "base/sanitize.h"

namespace xpush::push {

std::string_view to_string(Platform platform) {
  switch (platform) {
    case Platform::kApns: return "apns";
    case Platform::kFcm: return "fcm";
    case Platform::kWebPush: return "webpush";
    case Platform::kWebhook: return "webhook";
    case Platform::kHms: return "hms";
    case Platform::kHonor: return "honor";
    case Platform::kXiaomi: return "xiaomi";
    case Platform::kOppo: return "oppo";
    case Platform::kVivo: return "vivo";
  }
  return "fcm";
}

std::optional<Platform> platform_named(std::string_view name) {
  for (const auto p : kAllPlatforms) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::kAlert: return "alert";
    case Kind::kBackground: return "background";
    case Kind::kVoip: return "voip";
  }
  return "background";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDelivered: return "delivered";
    case Outcome::kRetry: return "retry";
    case Outcome::kRefreshAuth: return "refresh-auth";
    case Outcome::kTokenInvalid: return "token-invalid";
    case Outcome::kRejected: return "rejected";
  }
  return "rejected";
}

Notification sanitized(Notification n) {
  for (std::string* text : {&n.title, &n.subtitle, &n.body, &n.title_loc_key, &n.loc_key, &n.sound,
                            &n.thread_id, &n.collapse_key, &n.category, &n.interruption_level, &n.channel_id, &n.importance,
                            &n.vendor_category}) {
    if (!base::is_clean(*text)) *text = base::sanitize(*text);
  }
  for (auto* args : {&n.title_loc_args, &n.loc_args}) {
    for (auto& arg : *args) {
      if (!base::is_clean(arg)) arg = base::sanitize(arg);
    }
  }
  std::map<std::string, std::string> data;
  for (auto& [key, value] : n.data) data.emplace(base::sanitize(key), base::sanitize(value));
  n.data = std::move(data);
  return n;
}

}  // namespace xpush::push
