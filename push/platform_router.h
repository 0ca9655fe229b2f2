// Sends each notification to the provider for its device's platform.
#pragma once

#include <map>
#include <memory>

#include "push/provider.h"

namespace xpush::push {

class PlatformRouter final : public Provider {
 public:
  // Any may be null: devices of that platform are then rejected.
  struct Providers {
    std::unique_ptr<Provider> apns;
    std::unique_ptr<Provider> fcm;
    std::unique_ptr<Provider> webpush;
    std::unique_ptr<Provider> webhook;
    std::map<Platform, std::unique_ptr<Provider>> vendors;  // hms, honor, xiaomi, oppo, vivo
  };
  explicit PlatformRouter(Providers providers) : providers_(std::move(providers)) {}

  void send(const Notification& notification, Completion done) override {
    Provider* p = nullptr;
    switch (notification.device.platform) {
      case Platform::kApns: p = providers_.apns.get(); break;
      case Platform::kFcm: p = providers_.fcm.get(); break;
      case Platform::kWebPush: p = providers_.webpush.get(); break;
      case Platform::kWebhook: p = providers_.webhook.get(); break;
      case Platform::kHms:
      case Platform::kHonor:
      case Platform::kXiaomi:
      case Platform::kOppo:
      case Platform::kVivo:
        if (auto it = providers_.vendors.find(notification.device.platform); it != providers_.vendors.end()) {
          p = it->second.get();
        }
        break;
    }
    if (!p) {
      done(PushResult{.outcome = Outcome::kRejected,
                      .reason = "no " + std::string{to_string(notification.device.platform)} +
                                " provider configured"});
      return;
    }
    p->send(notification, std::move(done));
  }

 private:
  Providers providers_;
};

}  // namespace xpush::push
