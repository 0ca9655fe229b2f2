// A fault that may repeat on every call (the shared windows' database gone)
// is logged at most once a minute, with how many there were since: the log
// says what is wrong without drowning what else it says.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace xpush {

class FaultLog {
 public:
  // `what`: what failed and what is done instead, e.g. "shared windows: ...; sent at once".
  explicit FaultLog(std::string what) : what_(std::move(what)) {}

  // One caller at a time.
  void note(std::string_view error);
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::string what_;
  std::atomic<std::uint64_t> count_{0};
  std::uint64_t logged_count_ = 0;
  std::chrono::steady_clock::time_point next_log_{};
};

}  // namespace xpush
