// SharedWindows in the PostgreSQL database that instances share, on a
// connection of its own: its statements commit on their own, outside the
// store thread's batch, so a row of these tables is never locked for longer
// than one short statement (or one device's alert window change) and two
// instances cannot deadlock over them. The tables are UNLOGGED and written
// with synchronous_commit off: what they hold is not precious
// (store/shared_windows.h), and they cost no WAL flush.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "store/pg_db.h"
#include "store/shared_windows.h"

namespace xpush::store {

class PgSharedWindows final : public SharedWindows {
 public:
  // The schema (PgStore's migrations) must be current.
  static StoreResult<std::unique_ptr<PgSharedWindows>> open(const std::string& dsn,
                                                            std::chrono::milliseconds timeout);

  StoreResult<bool> mark_first(const std::string& key, std::int64_t now_ms,
                               std::int64_t until_ms) override;
  StoreResult<void> change_alert_window(const std::string& device,
                                        const std::function<void(AlertWindow&)>& step) override;
  StoreResult<bool> take_or_add_tally(const std::string& take, const std::string& add,
                                      std::int64_t now_ms, std::int64_t until_ms) override;
  StoreResult<int> instances_serving(const std::string& domain, const std::string& instance,
                                     std::int64_t now_ms, std::int64_t live_ms) override;

 private:
  explicit PgSharedWindows(PgDb db) : db_(std::move(db)) {}
  // Deletes what ended, now and then (any instance may; one is enough).
  void tick(std::int64_t now_ms);

  PgDb db_;
  std::int64_t next_sweep_ms_ = 0;
};

}  // namespace xpush::store
