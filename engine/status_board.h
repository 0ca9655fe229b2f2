// What the status page needs that no counter holds: when the component link
// went up or down, notifications per second over the last minute, and the
// outbox as the store counts it (depth, oldest, dead letters by reason),
// read every few seconds on the store thread (the dead letters' reasons only
// when their number changed). All on the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "admin/admin_status.h"
#include "engine/store_worker.h"

namespace xpush {

class StatusBoard {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // The running totals of accepted and delivered notifications.
  using Totals = std::function<std::pair<std::uint64_t, std::uint64_t>()>;

  static constexpr std::size_t kRateSeconds = 60;
  static constexpr int kOutboxEverySeconds = 5;
  static constexpr std::size_t kDeadLettersRead = 200;

  StatusBoard(boost::asio::any_io_executor executor, StoreWorker& store, Clock clock, Totals totals);

  void start();
  void stop();
  void link_changed();
  // Writes what this board knows into `status`.
  void fill(AdminStatus& status) const;

 private:
  void tick();
  void sample_rates();
  void count_outbox();
  std::int64_t now_ms() const;

  StoreWorker& store_;
  Clock clock_;
  Totals totals_;
  boost::asio::steady_timer timer_;
  bool running_ = false;
  bool counting_ = false;
  int ticks_ = 0;
  std::int64_t started_ms_ = 0;
  std::int64_t link_since_ms_ = 0;
  std::pair<std::uint64_t, std::uint64_t> last_totals_{};
  std::deque<std::uint32_t> accepted_;
  std::deque<std::uint32_t> delivered_;
  store::OutboxCounts outbox_{-1, -1, 0};
  std::int64_t outbox_counted_ms_ = 0;
  std::vector<DeadLetterReason> dead_reasons_;
};

// The dead letters' reasons, most frequent first.
std::vector<DeadLetterReason> group_by_reason(const std::vector<store::OutboxEntry>& dead);

}  // namespace xpush
