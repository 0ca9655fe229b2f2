// The time the store writes into rows: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace xpush::store {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace xpush::store
