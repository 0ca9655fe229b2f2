// Sends each notification to the provider for its device's platform.
#pragma once

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
  };
  explicit PlatformRouter(Providers providers) : providers_(std::move(providers)) {}

  void send(const Notification& notification, Completion done) override {
    Provider* p = nullptr;
    switch (notification.device.platform) {
      case Platform::kApns: p = providers_.apns.get(); break;
      case Platform::kFcm: p = providers_.fcm.get(); break;
      case Platform::kWebPush: p = providers_.webpush.get(); break;
      case Platform::kWebhook: p = providers_.webhook.get(); break;
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
