// Capped exponential back-off with jitter, as a pure function so that the
// schedule is testable: half of each delay is fixed, half random, so many
// gateways restarting together do not reconnect in step.
#pragma once

#include <chrono>

namespace xpush::base {

struct BackoffPolicy {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{30'000};
};

// attempt 0 is the first retry; unit_random is uniform in [0, 1).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned attempt,
                                        double unit_random);

}  // namespace xpush::base
