#include "engine/status_board.h"

#include <algorithm>
#include <map>
#include <optional>

namespace xpush {

StatusBoard::StatusBoard(boost::asio::any_io_executor executor, StoreWorker& store, Clock clock, Totals totals)
    : store_(store), clock_(std::move(clock)), totals_(std::move(totals)), timer_(executor) {
  started_ms_ = now_ms();
  link_since_ms_ = started_ms_;
}

std::int64_t StatusBoard::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

void StatusBoard::start() {
  running_ = true;
  last_totals_ = totals_();
  count_outbox();
  tick();
}

void StatusBoard::stop() {
  running_ = false;
  timer_.cancel();
}

void StatusBoard::link_changed() { link_since_ms_ = now_ms(); }

void StatusBoard::tick() {
  timer_.expires_after(std::chrono::seconds{1});
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || !running_) return;
    sample_rates();
    if (++ticks_ % kOutboxEverySeconds == 0) count_outbox();
    tick();
  });
}

void StatusBoard::sample_rates() {
  const auto totals = totals_();
  const auto push = [](std::deque<std::uint32_t>& ring, std::uint64_t delta) {
    ring.push_back(static_cast<std::uint32_t>(std::min<std::uint64_t>(delta, UINT32_MAX)));
    if (ring.size() > kRateSeconds) ring.pop_front();
  };
  push(accepted_, totals.first - last_totals_.first);
  push(delivered_, totals.second - last_totals_.second);
  last_totals_ = totals;
}

void StatusBoard::count_outbox() {
  if (counting_) return;  // a slow store: one count at a time
  counting_ = true;
  struct Reading {
    store::OutboxCounts counts;
    std::optional<std::vector<DeadLetterReason>> reasons;  // read again only when the dead changed
  };
  store_.run(
      [known_dead = outbox_.dead](store::Store& s) -> store::StoreResult<Reading> {
        auto counts = s.outbox_counts();
        if (!counts) return tl::unexpected(counts.error());
        Reading reading{*counts, {}};
        if (counts->dead == known_dead) return reading;
        reading.reasons.emplace();
        if (counts->dead > 0) {
          auto dead = s.dead_letters(kDeadLettersRead);
          if (!dead) return tl::unexpected(dead.error());
          *reading.reasons = group_by_reason(*dead);
        }
        return reading;
      },
      [this](store::StoreResult<Reading> reading) {
        counting_ = false;
        if (!reading) return;  // the store's own fault log says why; the last reading stays
        outbox_ = reading->counts;
        if (reading->reasons) dead_reasons_ = std::move(*reading->reasons);
        outbox_counted_ms_ = now_ms();
      });
}

void StatusBoard::fill(AdminStatus& status) const {
  status.now_ms = now_ms();
  status.started_ms = started_ms_;
  status.link_since_ms = link_since_ms_;
  status.accepted_per_second.assign(accepted_.begin(), accepted_.end());
  status.delivered_per_second.assign(delivered_.begin(), delivered_.end());
  status.outbox_pending = outbox_.pending;
  status.outbox_dead = outbox_.dead;
  status.outbox_oldest_pending_ms = outbox_.oldest_pending_created_ms;
  status.outbox_counted_ms = outbox_counted_ms_;
  status.dead_letter_reasons = dead_reasons_;
}

std::vector<DeadLetterReason> group_by_reason(const std::vector<store::OutboxEntry>& dead) {
  std::map<std::string, std::int64_t> counts;
  for (const auto& entry : dead) ++counts[entry.last_reason];
  std::vector<DeadLetterReason> reasons;
  reasons.reserve(counts.size());
  for (auto& [reason, count] : counts) reasons.push_back({reason, count});
  std::stable_sort(reasons.begin(), reasons.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  return reasons;
}

}  // namespace xpush
