// When a notification that failed for a temporary reason is tried again.
#pragma once

#include <chrono>
#include <optional>

#include "base/backoff.h"
#include "push/notification.h"

namespace xpush::push {

struct RetryPolicy {
  // Exponential with jitter; Apple suggests waiting long for 5xx, so the cap is generous.
  base::BackoffPolicy backoff{std::chrono::seconds{1}, std::chrono::minutes{15}};
  int max_attempts = 12;
};

// The pause before attempt number `attempts_made + 1`, or nullopt when the
// budget is spent. A provider's Retry-After (or FCM's quota pause) is a floor.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int attempts_made,
                                                     const PushResult& result, double unit_random);

}  // namespace xpush::push
