// `xpushctl rules test`: what a message would become, in words and as the
// exact requests APNs, FCM and a Web Push service would receive (the same code builds them as
// for a real phone; only the device token and credentials are placeholders).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "push/notification.h"
#include "rules/decision.h"

namespace xpush {

struct DryRunOptions {
  std::string apns_topic = "com.example.app";
  std::string fcm_project = "example-project";
  std::string device_token = "DEVICE-TOKEN";
  std::chrono::system_clock::time_point now{};
  std::chrono::seconds default_ttl{std::chrono::hours{24}};
  bool apns = true;
  bool fcm = true;
  bool webpush = false;
  bool webhook = false;
  std::vector<push::Platform> vendors;  // hms, honor, xiaomi, oppo, vivo
};

std::string describe_decision(const rules::Decision& decision, const DryRunOptions& options);

}  // namespace xpush
