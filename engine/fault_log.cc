#include "engine/fault_log.h"

#include <spdlog/spdlog.h>

namespace xpush {

void FaultLog::note(std::string_view error) {
  const auto total = count_.fetch_add(1, std::memory_order_relaxed) + 1;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_log_) return;
  next_log_ = now + std::chrono::minutes{1};
  const auto since = total - logged_count_ - 1;
  logged_count_ = total;
  if (since == 0) return spdlog::warn("{}: {}", what_, error);
  spdlog::warn("{}: {} ({} more since the last warning)", what_, error, since);
}

}  // namespace xpush
