// Keeps offline messages for the retention period and no longer: every
// `every`, messages older than `keep` are deleted in batches of `batch`,
// each a short transaction of its own, so delivery work on the store thread
// runs between them. Accounts under a legal hold are skipped.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/store_worker.h"

namespace xpush {

struct RetentionOptions {
  std::chrono::hours keep{24 * 90};  // zero: keep forever
  std::chrono::seconds every{600};
  std::size_t batch = 1000;
};

class Retention {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  Retention(boost::asio::any_io_executor executor, StoreWorker& store, RetentionOptions options,
            Clock clock);
  void start();  // the first purge runs at once
  void stop();
  std::uint64_t purged() const { return purged_; }
  // When the last purge pass began (0: none yet).
  std::int64_t last_run_ms() const { return last_run_ms_; }
  const RetentionOptions& options() const { return options_; }

 private:
  void purge();
  void purge_batch(std::int64_t cutoff_ms, std::int64_t so_far);
  void schedule();

  StoreWorker& store_;
  RetentionOptions options_;
  Clock clock_;
  boost::asio::steady_timer timer_;
  bool running_ = false;
  std::uint64_t purged_ = 0;
  std::int64_t last_run_ms_ = 0;
};

}  // namespace xpush
