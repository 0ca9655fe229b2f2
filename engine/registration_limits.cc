#include "engine/registration_limits.h"

#include <algorithm>
#include <set>

namespace xpush {

KeyedRateLimiter::KeyedRateLimiter(std::size_t burst, std::chrono::milliseconds refill,
                                   std::size_t max_keys)
    : burst_(static_cast<double>(std::max<std::size_t>(burst, 1))),
      refill_(std::max(refill, std::chrono::milliseconds{1})),
      max_keys_(max_keys) {}

double KeyedRateLimiter::refilled(const Bucket& b, Clock::time_point now) const {
  const auto elapsed = std::chrono::duration<double, std::milli>(now - b.updated).count();
  return std::min(burst_, b.tokens + std::max(0.0, elapsed) / static_cast<double>(refill_.count()));
}

void KeyedRateLimiter::forget_full(Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
}

bool KeyedRateLimiter::take(const std::string& key, Clock::time_point now) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) forget_full(now);
    if (buckets_.size() >= max_keys_) return false;
    it = buckets_.emplace(key, Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.updated = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

RegistrationPlan plan_registration(const std::vector<store::Registration>& devices,
                                   const store::Registration& candidate, std::size_t max_devices) {
  RegistrationPlan plan;
  std::set<std::pair<std::string, std::string>> tokens;  // (platform, token)
  bool known_device = false;
  for (const auto& d : devices) {
    const bool same_slot = d.device_id == candidate.device_id && d.muc == candidate.muc;
    known_device = known_device || same_slot;
    if (!same_slot && d.token == candidate.token && d.platform == candidate.platform &&
        d.muc == candidate.muc) {
      plan.superseded.push_back(d);
      continue;
    }
    if (!same_slot) tokens.emplace(d.platform, d.token);
  }
  const bool new_token = !tokens.contains({candidate.platform, candidate.token});
  plan.devices = tokens.size() + (new_token ? 1 : 0);
  // A device that registers again, or a token the account already has (a
  // room's registration, a new device id), is never refused.
  plan.over_cap = !known_device && plan.superseded.empty() && new_token && tokens.size() >= max_devices;
  return plan;
}

}  // namespace xpush
