#include "engine/alert_throttle.h"

#include <iterator>

namespace xpush {

std::variant<AlertThrottle::SendNow, AlertThrottle::Fold> AlertThrottle::on_alert(
    const std::string& device, TimePoint now, std::chrono::seconds window, std::string fresh_id) {
  if (++calls_ % 4096 == 0) forget_idle(now);
  State& s = states_[device];
  if (!s.digest_id.empty() && now >= s.digest_due) {
    s.digest_id.clear();  // it went out when its window ended
    s.count = 0;
  }
  if (!s.digest_id.empty()) return Fold{s.digest_id, s.digest_due, ++s.count};
  if (now >= s.next_free) {
    s.next_free = now + window;
    return SendNow{};
  }
  s.digest_id = std::move(fresh_id);
  s.digest_due = s.next_free;
  s.next_free = s.digest_due + window;  // the digest opens the next window
  s.count = 1;
  return Fold{s.digest_id, s.digest_due, s.count};
}

void AlertThrottle::forget_idle(TimePoint now) {
  for (auto it = states_.begin(); it != states_.end();) {
    // Past next_free any digest is out too, and the device starts afresh.
    it = now >= it->second.next_free ? states_.erase(it) : std::next(it);
  }
}

}  // namespace xpush
