#include "store/pg_shared_windows.h"

namespace xpush::store {
namespace {
constexpr std::int64_t kSweepEveryMs = 60'000;
constexpr std::int64_t kForgetInstancesMs = 86'400'000;  // an instance gone a day
}  // namespace

StoreResult<std::unique_ptr<PgSharedWindows>> PgSharedWindows::open(
    const std::string& dsn, std::chrono::milliseconds timeout) {
  auto db = PgDb::connect(dsn, timeout);
  if (!db) return tl::unexpected(db.error());
  if (auto r = db->exec("setting up the shared windows", "SET synchronous_commit = off"); !r) {
    return tl::unexpected(r.error());
  }
  return std::unique_ptr<PgSharedWindows>{new PgSharedWindows(std::move(*db))};
}

StoreResult<bool> PgSharedWindows::mark_first(const std::string& key, std::int64_t now_ms,
                                              std::int64_t until_ms) {
  tick(now_ms);
  auto r = db_.query("marking a message seen",
                     "INSERT INTO shared_marks (key, until_ms) VALUES ($1, $3) "
                     "ON CONFLICT (key) DO UPDATE SET until_ms = EXCLUDED.until_ms "
                     "WHERE shared_marks.until_ms <= $2 RETURNING 1",
                     {key, now_ms, until_ms});
  if (!r) return tl::unexpected(r.error());
  return r->rows() == 1;
}

StoreResult<void> PgSharedWindows::change_alert_window(
    const std::string& device, const std::function<void(AlertWindow&)>& step) {
  return pg_transaction(db_, [&]() -> StoreResult<void> {
    // The no-op update locks the row (new or not) until the commit.
    auto r = db_.query("reading an alert window",
                       "INSERT INTO alert_windows (device) VALUES ($1) "
                       "ON CONFLICT (device) DO UPDATE SET device = EXCLUDED.device "
                       "RETURNING next_free_ms, digest_id, digest_due_ms, count",
                       {device});
    if (!r) return tl::unexpected(r.error());
    AlertWindow window{r->integer(0, 0), r->text(0, 1), r->integer(0, 2),
                       static_cast<int>(r->integer(0, 3))};
    step(window);
    return db_.send(
        "changing an alert window",
        "UPDATE alert_windows SET next_free_ms = $2, digest_id = $3, digest_due_ms = $4, "
        "count = $5 WHERE device = $1",
        {device, window.next_free_ms, window.digest_id, window.digest_due_ms, window.count});
  });
}

StoreResult<bool> PgSharedWindows::take_or_add_tally(const std::string& take,
                                                     const std::string& add, std::int64_t now_ms,
                                                     std::int64_t until_ms) {
  tick(now_ms);
  // One round trip. SKIP LOCKED: a tally another instance is taking is its,
  // not ours.
  auto r = db_.query(
      "pairing with a tally",
      "WITH taken AS (DELETE FROM shared_tallies WHERE id = (SELECT id FROM shared_tallies "
      "WHERE name = $1 AND until_ms > $3 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING 1), "
      "added AS (INSERT INTO shared_tallies (name, until_ms) SELECT $2, $4 "
      "WHERE NOT EXISTS (SELECT 1 FROM taken) RETURNING 1) "
      "SELECT count(*) FROM taken",
      {take, add, now_ms, until_ms});
  if (!r) return tl::unexpected(r.error());
  return r->integer(0, 0) == 1;
}

StoreResult<int> PgSharedWindows::instances_serving(const std::string& domain,
                                                    const std::string& instance,
                                                    std::int64_t now_ms, std::int64_t live_ms) {
  // The SELECT does not see the CTE's own row: the others, and this one.
  auto r = db_.query(
      "counting the instances serving a domain",
      "WITH me AS (INSERT INTO shared_instances (domain, instance, seen_ms) VALUES ($1, $2, $3) "
      "ON CONFLICT (domain, instance) DO UPDATE SET seen_ms = EXCLUDED.seen_ms) "
      "SELECT count(*) FROM shared_instances WHERE domain = $1 AND instance <> $2 AND seen_ms > $4",
      {domain, instance, now_ms, now_ms - live_ms});
  if (!r) return tl::unexpected(r.error());
  return static_cast<int>(r->integer(0, 0)) + 1;
}

void PgSharedWindows::tick(std::int64_t now_ms) {
  if (now_ms < next_sweep_ms_) return;
  next_sweep_ms_ = now_ms + kSweepEveryMs;
  // Best effort: what is left over is swept next time. The setting again:
  // a connection opened anew after a loss starts without it.
  (void)db_.exec("forgetting ended windows",
                 "SET synchronous_commit = off; DELETE FROM shared_marks WHERE until_ms <= " +
                     std::to_string(now_ms) +
                     "; DELETE FROM alert_windows WHERE next_free_ms <= " + std::to_string(now_ms) +
                     "; DELETE FROM shared_tallies WHERE until_ms <= " + std::to_string(now_ms) +
                     "; DELETE FROM shared_instances WHERE seen_ms <= " +
                     std::to_string(now_ms - kForgetInstancesMs));
}

}  // namespace xpush::store
