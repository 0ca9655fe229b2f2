// At most one alert per device per window. The first alert goes out at once;
// alerts arriving inside the window fold into one digest, sent when the
// window ends, that counts them. Each device's window is kept in the store's
// shared windows, so instances sharing a store throttle a device as one.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <variant>

#include "engine/fault_log.h"
#include "store/shared_windows.h"

namespace xpush {

class AlertThrottle {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  struct SendNow {};
  struct Fold {
    std::string digest_id;  // the outbox id of the digest this alert joins
    TimePoint due;          // when the digest is sent
    int count = 0;          // alerts folded into it so far, this one included
  };
  using Step = std::variant<SendNow, Fold>;

  // Whether the digest named is already on its way (claimed from the
  // outbox): an alert arriving just before its window ends, whose turn on
  // the store thread comes after the claim, can no longer join it.
  using DigestSent = std::function<bool(const std::string& digest_id)>;

  // The step for one alert, and the device's window after it. `fresh_id`
  // names the digest if this alert starts one.
  static Step step(store::AlertWindow& window, TimePoint now, std::chrono::seconds length,
                   const std::string& fresh_id, bool digest_sent = false);

  // On the store thread. When the shared windows fail the alert goes out at
  // once: a user may get an alert too many, never none.
  Step on_alert(store::SharedWindows& windows, const std::string& device, TimePoint now,
                std::chrono::seconds length, const std::string& fresh_id,
                const DigestSent& digest_sent = {});

  std::uint64_t faults() const { return faults_.count(); }

 private:
  FaultLog faults_{"alert throttle: shared windows failed; alert sent at once"};
};

}  // namespace xpush
