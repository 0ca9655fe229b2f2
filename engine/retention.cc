#include "engine/retention.h"

#include <spdlog/spdlog.h>

namespace xpush {

Retention::Retention(boost::asio::any_io_executor executor, StoreWorker& store, RetentionOptions options,
                     Clock clock)
    : store_(store), options_(options), clock_(std::move(clock)), timer_(executor) {}

void Retention::start() {
  if (options_.keep.count() == 0) return;
  running_ = true;
  purge();
}

void Retention::stop() {
  running_ = false;
  timer_.cancel();
}

void Retention::schedule() {
  if (!running_) return;
  timer_.expires_after(options_.every);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) purge();
  });
}

void Retention::purge() {
  const auto now = clock_();
  last_run_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const auto cutoff = now - options_.keep;
  purge_batch(std::chrono::duration_cast<std::chrono::milliseconds>(cutoff.time_since_epoch()).count(), 0);
}

void Retention::purge_batch(std::int64_t cutoff_ms, std::int64_t so_far) {
  if (!running_) return;
  store_.run([cutoff_ms, batch = options_.batch](store::Store& s) { return s.purge_messages(cutoff_ms, batch); },
             [this, cutoff_ms, so_far](auto purged) {
               if (!purged) {
                 spdlog::error("retention: {}", purged.error().message);
                 return schedule();
               }
               purged_ += static_cast<std::uint64_t>(purged->purged);
               const auto total = so_far + purged->purged;
               if (purged->more && running_) return purge_batch(cutoff_ms, total);
               if (total > 0) {
                 spdlog::info("retention: purged {} offline message(s) older than {} days", total,
                              options_.keep.count() / 24);
               }
               schedule();
             });
}

}  // namespace xpush
