// What to do with an offline event, and which rule said so. A decision is
// data: the engine turns it into a notification per device, the dry run
// prints it, and logs name the rule that decided.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xpush::rules {

enum class Action {
  kDrop,    // nothing reaches the phone
  kSilent,  // a background wake so the app can fetch, no alert
  kAlert,   // a visible notification
  kVoip,    // an incoming call (APNs PushKit, FCM high priority data)
};

std::string_view to_string(Action action);

enum class Priority { kHigh, kNormal };
std::string_view to_string(Priority priority);

// The rendered text and presentation of one notification for one platform.
struct Alert {
  std::string title;
  std::string subtitle;
  std::string body;
  std::string title_loc_key;  // localised on the device instead of title/body
  std::vector<std::string> title_loc_args;
  std::string loc_key;
  std::vector<std::string> loc_args;
  std::string sound;
  std::optional<int> badge;
  std::string thread_id;
  std::string category;
  std::string collapse_key;
  std::string interruption_level;  // APNs: passive, active, time-sensitive, critical
  // Android vendor channels (the `vendor:` block): notification channel,
  // importance (low, normal, high) and the vendor's message category.
  std::string channel_id;
  std::string importance;
  std::string vendor_category;
  Priority priority = Priority::kHigh;
  std::map<std::string, std::string> data;  // custom key/values for the app
};

// "At most one alert per device per window": alerts inside the window are
// folded into one digest sent when it ends. `digest(count)` renders it for
// `count` folded messages, per platform.
// One alert per platform: the rule's alert with that platform's block over it.
struct PlatformAlerts {
  Alert apns;
  Alert fcm;
  Alert webpush;
  Alert webhook;
  Alert vendor;  // hms, honor, xiaomi, oppo and vivo
};

struct Throttle {
  std::chrono::seconds window{0};
  std::function<PlatformAlerts(int count)> digest;
};

struct Decision {
  Action action = Action::kDrop;
  std::string rule;      // name of the deciding rule, for logs and dry runs
  std::string modifier;  // what changed the rule's action afterwards, e.g. "quiet-hours:night"
  Alert apns;            // the rule's alert with its apns overrides
  Alert fcm;             // ... and with its fcm overrides
  Alert webpush;         // ... and with its webpush overrides
  Alert webhook;         // ... and with its webhook overrides
  Alert vendor;          // ... and with its vendor overrides (the Android vendor channels)
  std::optional<std::chrono::seconds> ttl;
  std::optional<Throttle> throttle;
  // The message this stands for on the device (EventFacts::message_tag):
  // a correction or retraction replaces the original's notification.
  std::string tag;
  // Set when the event is a call ringing or ending, whichever rule decided.
  struct Call {
    std::string id;
    bool ended = false;
    std::string media;  // "audio", "video" or empty
  };
  std::optional<Call> call;
  // Opaque data for the app, passed into every notification's data as it
  // is: a Tigase encrypted payload ("encrypted", "iv").
  std::map<std::string, std::string> passthrough;
};

}  // namespace xpush::rules
