#include "engine/alert_throttle.h"

namespace xpush {
namespace {
using Ms = std::chrono::milliseconds;

std::int64_t to_ms(AlertThrottle::TimePoint t) {
  return std::chrono::duration_cast<Ms>(t.time_since_epoch()).count();
}
AlertThrottle::TimePoint from_ms(std::int64_t ms) {
  return AlertThrottle::TimePoint{Ms{ms}};
}
}  // namespace

AlertThrottle::Step AlertThrottle::step(store::AlertWindow& w, TimePoint now,
                                        std::chrono::seconds length, const std::string& fresh_id,
                                        bool digest_sent) {
  const auto now_ms = to_ms(now);
  const auto length_ms = std::chrono::duration_cast<Ms>(length).count();
  if (!w.digest_id.empty() && (digest_sent || now_ms >= w.digest_due_ms)) {
    w.digest_id.clear();  // it went out when its window ended
    w.count = 0;
  }
  if (!w.digest_id.empty()) return Fold{w.digest_id, from_ms(w.digest_due_ms), ++w.count};
  if (now_ms >= w.next_free_ms) {
    w.next_free_ms = now_ms + length_ms;
    return SendNow{};
  }
  w.digest_id = fresh_id;
  w.digest_due_ms = w.next_free_ms;
  w.next_free_ms = w.digest_due_ms + length_ms;  // the digest opens the next window
  w.count = 1;
  return Fold{w.digest_id, from_ms(w.digest_due_ms), w.count};
}

AlertThrottle::Step AlertThrottle::on_alert(store::SharedWindows& windows,
                                            const std::string& device, TimePoint now,
                                            std::chrono::seconds length,
                                            const std::string& fresh_id,
                                            const DigestSent& digest_sent) {
  Step result = SendNow{};
  auto changed = windows.change_alert_window(device, [&](store::AlertWindow& w) {
    const bool sent = !w.digest_id.empty() && digest_sent && digest_sent(w.digest_id);
    result = step(w, now, length, fresh_id, sent);
  });
  if (!changed) {
    faults_.note(changed.error().message);
    return SendNow{};
  }
  return result;
}

}  // namespace xpush
