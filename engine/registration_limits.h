// Limits that keep one account from multiplying the operator's pushes: a cap
// on the devices (distinct push tokens) an account may register, one
// registration per (account, token, room) however often it is sent, a rate
// limit on registrations per account, and a ceiling on the notifications one
// event may produce.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/registration.h"

namespace xpush {

struct AbuseLimits {
  std::size_t devices_per_account = 20;
  std::size_t notifications_per_event = 20;
  // A bucket per account: `registration_burst` at once, then one more for
  // every `registration_refill`.
  std::size_t registration_burst = 10;
  std::chrono::milliseconds registration_refill{std::chrono::seconds{6}};
};

// Token buckets keyed by account, in memory. Memory stays bounded: when there
// are more than `max_keys` buckets, the full ones (idle long enough to have
// refilled) are forgotten, and if that is not enough, the new key is refused.
class KeyedRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  KeyedRateLimiter(std::size_t burst, std::chrono::milliseconds refill, std::size_t max_keys = 100'000);

  // True (and one token taken) when `key` may go on at `now`.
  bool take(const std::string& key, Clock::time_point now);
  std::size_t keys() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  double refilled(const Bucket& b, Clock::time_point now) const;
  void forget_full(Clock::time_point now);

  double burst_;
  std::chrono::milliseconds refill_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// What registering `candidate` does to an account that has `devices`.
struct RegistrationPlan {
  bool over_cap = false;               // a new device beyond the cap: refuse
  std::size_t devices = 0;             // distinct tokens the account has now
  // Rows of the same token and room under another device id: they go, so
  // that one phone is one registration however often it registers.
  std::vector<store::Registration> superseded;
};
RegistrationPlan plan_registration(const std::vector<store::Registration>& devices,
                                   const store::Registration& candidate, std::size_t max_devices);

}  // namespace xpush
