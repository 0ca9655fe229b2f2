#include "push/retry_policy.h"

#include <algorithm>

namespace xpush::push {

std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, int attempts_made,
                                                     const PushResult& result, double unit_random) {
  if (attempts_made >= policy.max_attempts) return std::nullopt;
  const auto exponent = static_cast<unsigned>(std::max(attempts_made - 1, 0));
  auto delay = base::backoff_delay(policy.backoff, exponent, unit_random);
  if (result.retry_after) {
    delay = std::max<std::chrono::milliseconds>(delay, *result.retry_after);
  }
  return delay;
}

}  // namespace xpush::push
