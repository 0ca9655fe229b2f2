// At most one alert per device per window. The first alert goes out at once;
// alerts arriving inside the window fold into one digest, sent when the
// window ends, that counts them. The state is per device and in memory: a
// restart forgets it (the digests themselves are in the outbox).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <variant>

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

  // `fresh_id` names the digest if this alert starts one.
  std::variant<SendNow, Fold> on_alert(const std::string& device, TimePoint now,
                                       std::chrono::seconds window, std::string fresh_id);

  std::size_t devices() const { return states_.size(); }

 private:
  struct State {
    TimePoint next_free{};  // from then on the next alert goes out at once
    std::string digest_id;  // empty: no digest waiting
    TimePoint digest_due{};
    int count = 0;
  };
  void forget_idle(TimePoint now);

  std::unordered_map<std::string, State> states_;
  std::size_t calls_ = 0;
};

}  // namespace xpush
