// Sends each notification to the provider for its device's platform.
#pragma once

#include <memory>

#include "push/provider.h"

namespace xpush::push {

class PlatformRouter final : public Provider {
 public:
  // Either may be null: devices of that platform are then rejected.
  PlatformRouter(std::unique_ptr<Provider> apns, std::unique_ptr<Provider> fcm)
      : apns_(std::move(apns)), fcm_(std::move(fcm)) {}

  void send(const Notification& notification, Completion done) override {
    Provider* p = notification.device.platform == Platform::kApns ? apns_.get() : fcm_.get();
    if (!p) {
      done(PushResult{.outcome = Outcome::kRejected,
                      .reason = "no " + std::string{to_string(notification.device.platform)} +
                                " provider configured"});
      return;
    }
    p->send(notification, std::move(done));
  }

 private:
  std::unique_ptr<Provider> apns_;
  std::unique_ptr<Provider> fcm_;
};

}  // namespace xpush::push
