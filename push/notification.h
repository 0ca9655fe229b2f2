// A provider-neutral notification, and what a provider made of it. Nothing
// here knows of XMPP: recipient and node are opaque labels for tracing.
#pragma once

#include <chrono>
#include <string>

namespace xpush::push {

enum class Platform { kApns, kFcm };
enum class Kind { kAlert, kBackground };

std::string_view to_string(Platform platform);
std::string_view to_string(Kind kind);

struct Device {
  Platform platform = Platform::kFcm;
  std::string token;
  std::string app;  // which configured app (topic / project) it belongs to
};

struct Notification {
  std::string id;         // unique per notification, for logs and apns-id
  std::string recipient;  // opaque account label
  std::string node;
  Device device;
  Kind kind = Kind::kBackground;
  std::string title;
  std::string body;
  std::string rule;  // the rule that decided it
  std::chrono::system_clock::time_point created_at{};
};

enum class Outcome {
  kDelivered,
  kRetry,         // temporary: try again later
  kTokenInvalid,  // the device is gone: disable it
  kRejected,      // permanent for this notification
};

struct PushResult {
  Outcome outcome = Outcome::kDelivered;
  int status = 0;
  std::string reason;
};

}  // namespace xpush::push
