// SqliteStore: the outbox, claimed under leases.
#include <algorithm>

#include "store/sqlite_store.h"

namespace xpush::store {

StoreResult<void> SqliteStore::run(std::string_view what, SqliteStatement& statement) {
  if (statement.step() != SQLITE_DONE) return tl::unexpected(db_.error(what));
  return {};
}

StoreResult<void> SqliteStore::enqueue(const OutboxEntry& e) {
  SqliteStatement s{db_,
                    "INSERT INTO outbox (id, domain, node, payload, created_ms, expires_ms,"
                    " next_attempt_ms, attempts, state, last_reason, lease_owner, lease_until_ms)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, '', ?9, ?10) ON CONFLICT (id) DO UPDATE SET payload = excluded.payload,"
                    " expires_ms = excluded.expires_ms, next_attempt_ms = excluded.next_attempt_ms"
                    " WHERE state = 0 AND lease_owner = ''"};
  s.bind(1, e.id).bind(2, e.domain).bind(3, e.node).bind(4, e.payload).bind(5, e.created_ms);
  s.bind(6, e.expires_ms).bind(7, e.next_attempt_ms).bind(8, std::int64_t{e.attempts});
  s.bind(9, e.lease_owner).bind(10, e.lease_until_ms);
  return run("queueing a notification", s);
}

StoreResult<bool> SqliteStore::entry_claimed(const std::string& id) {
  SqliteStatement s{db_, "SELECT 1 FROM outbox WHERE id = ?1 AND state = 0 AND lease_owner != ''"};
  s.bind(1, id);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return tl::unexpected(db_.error("reading a notification's claim"));
}

StoreResult<std::vector<OutboxEntry>> SqliteStore::select_entries(SqliteStatement& s) {
  std::vector<OutboxEntry> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    OutboxEntry e;
    e.id = s.text(0);
    e.domain = s.text(1);
    e.node = s.text(2);
    e.payload = s.text(3);
    e.created_ms = s.integer(4);
    e.expires_ms = s.integer(5);
    e.next_attempt_ms = s.integer(6);
    e.attempts = static_cast<int>(s.integer(7));
    e.state = s.integer(8) == 0 ? OutboxState::kPending : OutboxState::kDead;
    e.last_reason = s.text(9);
    e.lease_owner = s.text(10);
    e.lease_until_ms = s.integer(11);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return tl::unexpected(db_.error("reading the outbox"));
  return out;
}

constexpr std::string_view kOutboxColumns =
    "id, domain, node, payload, created_ms, expires_ms, next_attempt_ms, attempts, state,"
    " last_reason, lease_owner, lease_until_ms";

// One statement, so the claim is atomic even with two processes on the file.
StoreResult<std::vector<OutboxEntry>> SqliteStore::claim_due(std::int64_t now_ms, std::size_t limit,
                                                             const Lease& lease) {
  SqliteStatement s{db_,
                    "UPDATE outbox SET lease_owner = ?1, lease_until_ms = ?2 WHERE id IN (SELECT id"
                    " FROM outbox WHERE state = 0 AND next_attempt_ms <= ?3 AND lease_until_ms <= ?3"
                    " ORDER BY next_attempt_ms LIMIT ?4) RETURNING " + std::string{kOutboxColumns}};
  s.bind(1, lease.owner).bind(2, lease.until_ms).bind(3, now_ms).bind(4, static_cast<std::int64_t>(limit));
  auto claimed = select_entries(s);
  if (claimed) {
    std::stable_sort(claimed->begin(), claimed->end(),
                     [](const auto& a, const auto& b) { return a.next_attempt_ms < b.next_attempt_ms; });
  }
  return claimed;
}

StoreResult<void> SqliteStore::remove_entry(const std::string& id) {
  SqliteStatement s{db_, "DELETE FROM outbox WHERE id = ?1"};
  s.bind(1, id);
  return run("removing a notification", s);
}

StoreResult<std::int64_t> SqliteStore::release_leases(const std::string& owner) {
  SqliteStatement s{db_, "UPDATE outbox SET lease_owner = '', lease_until_ms = 0 WHERE lease_owner = ?1 AND state = 0"};
  s.bind(1, owner);
  if (auto r = run("releasing leases", s); !r) return tl::unexpected(r.error());
  return sqlite3_changes(db_.handle());
}

StoreResult<void> SqliteStore::reschedule_entry(const std::string& id, int attempts,
                                                std::int64_t next_attempt_ms,
                                                const std::string& reason) {
  SqliteStatement s{db_,
                    "UPDATE outbox SET attempts = ?1, next_attempt_ms = ?2, last_reason = ?3,"
                    " lease_owner = '', lease_until_ms = 0 WHERE id = ?4"};
  s.bind(1, std::int64_t{attempts}).bind(2, next_attempt_ms).bind(3, reason).bind(4, id);
  return run("rescheduling a notification", s);
}

StoreResult<void> SqliteStore::bury_entry(const std::string& id, int attempts,
                                          const std::string& reason) {
  SqliteStatement s{db_,
                    "UPDATE outbox SET state = 1, attempts = ?1, last_reason = ?2 WHERE id = ?3"};
  s.bind(1, std::int64_t{attempts}).bind(2, reason).bind(3, id);
  return run("burying a notification", s);
}

StoreResult<std::vector<OutboxEntry>> SqliteStore::dead_letters(std::size_t limit) {
  SqliteStatement s{db_,
                    "SELECT " + std::string{kOutboxColumns} + " FROM outbox WHERE state = 1 ORDER BY created_ms LIMIT ?1"};
  s.bind(1, static_cast<std::int64_t>(limit));
  return select_entries(s);
}

StoreResult<OutboxCounts> SqliteStore::outbox_counts() {
  SqliteStatement s{db_,
                    "SELECT coalesce(sum(state = 0), 0), coalesce(sum(state = 1), 0),"
                    " coalesce(min(CASE WHEN state = 0 THEN created_ms END), 0) FROM outbox"};
  if (s.step() != SQLITE_ROW) return tl::unexpected(db_.error("counting the outbox"));
  return OutboxCounts{s.integer(0), s.integer(1), s.integer(2)};
}

}  // namespace xpush::store
