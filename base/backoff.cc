#include "base/backoff.h"

#include <algorithm>

namespace xpush::base {

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, unsigned attempt,
                                        double unit_random) {
  const auto initial = std::max<long long>(policy.initial.count(), 1);
  const auto cap = std::max<long long>(policy.max.count(), initial);
  long long ceiling = initial;
  for (unsigned i = 0; i < attempt && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  const double r = std::clamp(unit_random, 0.0, 1.0);
  const auto half = ceiling / 2;
  return std::chrono::milliseconds{half + static_cast<long long>(static_cast<double>(ceiling - half) * r)};
}

}  // namespace xpush::base
