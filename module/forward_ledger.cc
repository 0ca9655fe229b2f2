#include "module/forward_ledger.h"

#include <iterator>

namespace xpush {

bool ForwardLedger::first_sighting(const std::string& message_key, TimePoint now) {
  if (++calls_ % 1024 == 0) forget_old(now);
  if (message_key.empty()) return true;
  auto [it, inserted] = keys_.try_emplace(message_key, now);
  if (inserted || now - it->second >= window_) {
    it->second = now;
    return true;
  }
  return false;
}

void ForwardLedger::decided(const std::string& device, TimePoint now) {
  devices_[device].push_back(now);
}

bool ForwardLedger::covers_publish(const std::string& device, TimePoint now) {
  auto it = devices_.find(device);
  if (it == devices_.end()) return false;
  auto& times = it->second;
  while (!times.empty() && now - times.front() >= window_) times.pop_front();
  const bool covered = !times.empty();
  if (covered) times.pop_front();
  if (times.empty()) devices_.erase(it);
  return covered;
}

void ForwardLedger::forget_old(TimePoint now) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    it = now - it->second >= window_ ? keys_.erase(it) : std::next(it);
  }
  for (auto it = devices_.begin(); it != devices_.end();) {
    auto& times = it->second;
    while (!times.empty() && now - times.front() >= window_) times.pop_front();
    it = times.empty() ? devices_.erase(it) : std::next(it);
  }
}

}  // namespace xpush
