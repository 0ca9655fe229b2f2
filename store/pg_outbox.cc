// PgStore: the outbox. Claims skip rows another instance holds locked, and
// a lease keeps a claimed row from being claimed again until it lapses, so a
// dead instance's rows are picked up by the others.
#include <algorithm>

#include "store/pg_store.h"

namespace xpush::store {

namespace {

constexpr std::string_view kOutboxColumns =
    "id, domain, node, payload, created_ms, expires_ms, next_attempt_ms, attempts, state,"
    " last_reason, lease_owner, lease_until_ms";

std::vector<OutboxEntry> read_entries(const PgResult& r) {
  std::vector<OutboxEntry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    OutboxEntry e;
    e.id = r.text(i, 0);
    e.domain = r.text(i, 1);
    e.node = r.text(i, 2);
    e.payload = r.text(i, 3);
    e.created_ms = r.integer(i, 4);
    e.expires_ms = r.integer(i, 5);
    e.next_attempt_ms = r.integer(i, 6);
    e.attempts = static_cast<int>(r.integer(i, 7));
    e.state = r.integer(i, 8) == 0 ? OutboxState::kPending : OutboxState::kDead;
    e.last_reason = r.text(i, 9);
    e.lease_owner = r.text(i, 10);
    e.lease_until_ms = r.integer(i, 11);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

// Pipelined within a batch (PgDb::send): a publish waits for one round trip,
// its message's, not two.
StoreResult<void> PgStore::enqueue(const OutboxEntry& e) {
  static const std::string sql = "INSERT INTO outbox (" + std::string{kOutboxColumns} +
                                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, '', $9, $10) ON CONFLICT (id)"
                                 " DO UPDATE SET payload = excluded.payload, expires_ms = excluded.expires_ms,"
                                 " next_attempt_ms = excluded.next_attempt_ms WHERE outbox.state = 0 AND outbox.lease_owner = ''";
  return db_.send("queueing a notification", sql,
                  {e.id, e.domain, e.node, e.payload, e.created_ms, e.expires_ms, e.next_attempt_ms, e.attempts,
                   e.lease_owner, e.lease_until_ms});
}

StoreResult<bool> PgStore::entry_claimed(const std::string& id) {
  auto r = db_.query("reading a notification's claim",
                     "SELECT 1 FROM outbox WHERE id = $1 AND state = 0 AND lease_owner != ''", {id});
  if (!r) return tl::unexpected(r.error());
  return r->rows() > 0;
}

StoreResult<std::vector<OutboxEntry>> PgStore::claim_due(std::int64_t now_ms, std::size_t limit,
                                                         const Lease& lease) {
  auto r = db_.query("claiming due notifications",
                     "UPDATE outbox o SET lease_owner = $1, lease_until_ms = $2 FROM (SELECT id FROM"
                     " outbox WHERE state = 0 AND next_attempt_ms <= $3 AND lease_until_ms <= $3"
                     " ORDER BY next_attempt_ms LIMIT $4 FOR UPDATE SKIP LOCKED) due WHERE o.id = due.id"
                     " RETURNING o.id, o.domain, o.node,"
                     " o.payload, o.created_ms, o.expires_ms, o.next_attempt_ms, o.attempts, o.state,"
                     " o.last_reason, o.lease_owner, o.lease_until_ms",
                     {lease.owner, lease.until_ms, now_ms, static_cast<std::int64_t>(limit)});
  if (!r) return tl::unexpected(r.error());
  auto entries = read_entries(*r);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.next_attempt_ms < b.next_attempt_ms; });
  return entries;
}

StoreResult<void> PgStore::remove_entry(const std::string& id) {
  return void_query("removing a notification", "DELETE FROM outbox WHERE id = $1", {id});
}

StoreResult<std::int64_t> PgStore::release_leases(const std::string& owner) {
  auto r = db_.query("releasing leases",
                     "WITH released AS (UPDATE outbox SET lease_owner = '', lease_until_ms = 0"
                     " WHERE lease_owner = $1 AND state = 0 RETURNING 1) SELECT count(*) FROM released",
                     {owner});
  if (!r) return tl::unexpected(r.error());
  return r->integer(0, 0);
}

// One statement for the lot: the ids as one text[] parameter.
StoreResult<void> PgStore::remove_entries(const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  std::string array = "{";
  for (const auto& id : ids) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (const char c : id) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  return db_.send("removing delivered notifications", "DELETE FROM outbox WHERE id = ANY($1::text[])", {array});
}

StoreResult<void> PgStore::reschedule_entry(const std::string& id, int attempts, std::int64_t next_attempt_ms,
                                            const std::string& reason) {
  return void_query("rescheduling a notification",
                    "UPDATE outbox SET attempts = $1, next_attempt_ms = $2, last_reason = $3,"
                    " lease_owner = '', lease_until_ms = 0 WHERE id = $4",
                    {attempts, next_attempt_ms, reason, id});
}

StoreResult<void> PgStore::bury_entry(const std::string& id, int attempts, const std::string& reason) {
  return void_query("burying a notification",
                    "UPDATE outbox SET state = 1, attempts = $1, last_reason = $2 WHERE id = $3",
                    {attempts, reason, id});
}

StoreResult<std::vector<OutboxEntry>> PgStore::dead_letters(std::size_t limit) {
  auto r = db_.query("reading dead letters",
                     "SELECT " + std::string{kOutboxColumns} +
                         " FROM outbox WHERE state = 1 ORDER BY created_ms LIMIT $1",
                     {static_cast<std::int64_t>(limit)});
  if (!r) return tl::unexpected(r.error());
  return read_entries(*r);
}

StoreResult<OutboxCounts> PgStore::outbox_counts() {
  auto r = db_.query("counting the outbox",
                     "SELECT count(*) FILTER (WHERE state = 0), count(*) FILTER (WHERE state = 1),"
                     " coalesce(min(created_ms) FILTER (WHERE state = 0), 0) FROM outbox");
  if (!r) return tl::unexpected(r.error());
  return OutboxCounts{r->integer(0, 0), r->integer(0, 1), r->integer(0, 2)};
}

}  // namespace xpush::store
