#include "store/sqlite_store.h"

#include <memory>
#include <utility>

#include "store/wall_clock.h"

namespace xpush::store {

namespace {

// Index i holds the statements that take the schema from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE registrations (
  id              INTEGER PRIMARY KEY,
  node            TEXT NOT NULL,
  secret          TEXT NOT NULL,
  account         TEXT NOT NULL,
  domain          TEXT NOT NULL,
  device_id       TEXT NOT NULL,
  muc             TEXT NOT NULL DEFAULT '',
  platform        TEXT NOT NULL,
  token           TEXT NOT NULL,
  app             TEXT NOT NULL DEFAULT '',
  enabled         INTEGER NOT NULL DEFAULT 1,
  disabled_reason TEXT NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  UNIQUE (domain, node),
  UNIQUE (account, device_id, muc)
);
)sql",
    R"sql(
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  domain          TEXT NOT NULL,
  node            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  expires_ms      INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           INTEGER NOT NULL DEFAULT 0,
  last_reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
)sql",
    R"sql(
CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  account     TEXT NOT NULL,
  domain      TEXT NOT NULL,
  sender      TEXT NOT NULL DEFAULT '',
  message_id  TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,
  content     TEXT NOT NULL,
  received_ms INTEGER NOT NULL
);
CREATE INDEX messages_of_account ON messages (account, id);
CREATE INDEX messages_by_age ON messages (received_ms);
CREATE TABLE legal_holds (
  account    TEXT PRIMARY KEY,
  reason     TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
)sql",
    R"sql(
ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lease_until_ms INTEGER NOT NULL DEFAULT 0;
CREATE TABLE unread_counts (
  account TEXT PRIMARY KEY,
  unread  INTEGER NOT NULL
);
)sql",
    // Node secrets kept only as hashes; the one issued before the last
    // registration stays valid until the next.
    R"sql(
ALTER TABLE registrations ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
UPDATE registrations SET secret = xpush_node_secret_hash(secret) WHERE secret NOT LIKE 'sha256:%';
)sql",
    // Per chat, the messages counted since the account was last back; a row
    // lives until its chat is read on one of the user's devices.
    R"sql(
CREATE TABLE unread_chats (
  account TEXT NOT NULL,
  chat    TEXT NOT NULL,
  unread  INTEGER NOT NULL,
  PRIMARY KEY (account, chat)
) WITHOUT ROWID;
)sql",
    // An Apple device's PushKit token, for calls.
    R"sql(
ALTER TABLE registrations ADD COLUMN voip_token TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

constexpr std::string_view kColumns =
    "node, secret, account, domain, device_id, muc, platform, token, app, enabled, "
    "disabled_reason, created_ms, updated_ms, previous_secret, voip_token";

Registration read_registration(const SqliteStatement& s) {
  Registration r;
  r.node = s.text(0);
  r.secret_hash = s.text(1);
  r.account = s.text(2);
  r.domain = s.text(3);
  r.device_id = s.text(4);
  r.muc = s.text(5);
  r.platform = s.text(6);
  r.token = s.text(7);
  r.app = s.text(8);
  r.enabled = s.integer(9) != 0;
  r.disabled_reason = s.text(10);
  r.created_ms = s.integer(11);
  r.updated_ms = s.integer(12);
  r.previous_secret_hash = s.text(13);
  r.voip_token = s.text(14);
  return r;
}

// xpush_node_secret_hash(text) in SQL, for the migration that hashes the
// secrets stored in clear before.
void node_secret_hash_sql(sqlite3_context* context, int, sqlite3_value** argv) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto hash = node_secret_hash(text ? std::string_view{text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))}
                                          : std::string_view{});
  sqlite3_result_text(context, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
}

}  // namespace

StoreResult<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path) {
  auto db = SqliteDb::open(path);
  if (!db) return tl::unexpected(db.error());
  std::unique_ptr<SqliteStore> store{new SqliteStore(std::move(*db))};
  // WAL lets readers run beside the writer. FULL syncs the log at every
  // commit, so nothing the server was told is stored survives only in the
  // page cache: a power cut loses none of it. Group commit (begin_batch)
  // pays that sync once for many calls.
  if (auto r = store->db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                               "PRAGMA foreign_keys=ON;");
      !r) {
    return tl::unexpected(r.error());
  }
  sqlite3_create_function_v2(store->db_.handle(), "xpush_node_secret_hash", 1,
                             SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, node_secret_hash_sql, nullptr, nullptr,
                             nullptr);
  if (auto r = store->migrate(); !r) return tl::unexpected(r.error());
  if (path != ":memory:" && !path.empty()) {
    // Checkpoints run beside the commits, not inside one of them. A commit
    // still checkpoints should the WAL ever pass 80 MB (the checkpointer
    // failing, or missing).
    store->checkpointer_ = SqliteCheckpointer::start(path, std::chrono::milliseconds{200});
    if (auto r = store->db_.exec("PRAGMA wal_autocheckpoint=20000;"); !r) return tl::unexpected(r.error());
  }
  return store;
}

StoreResult<void> SqliteStore::migrate() {
  SqliteStatement version{db_, "PRAGMA user_version"};
  if (version.step() != SQLITE_ROW) return tl::unexpected(db_.error("reading schema version"));
  const auto current = version.integer(0);
  if (current > kSchemaVersion) {
    return tl::unexpected(StoreError{
        StoreErrorKind::kFatal, "database schema version " + std::to_string(current) +
                                    " is newer than this xpush understands (" +
                                    std::to_string(kSchemaVersion) + "); refusing to run"});
  }
  for (auto v = current; v < kSchemaVersion; ++v) {
    std::string sql = "BEGIN IMMEDIATE;";
    sql += kMigrations[v];
    sql += "PRAGMA user_version = " + std::to_string(v + 1) + "; COMMIT;";
    if (auto r = db_.exec(sql); !r) {
      (void)db_.exec("ROLLBACK");
      return tl::unexpected(r.error());
    }
  }
  return {};
}

StoreResult<std::optional<Registration>> SqliteStore::find_device(const Registration& key) {
  SqliteStatement s{db_, "SELECT " + std::string{kColumns} +
                                      " FROM registrations WHERE account = ?1 AND device_id = ?2"
                                      " AND muc = ?3"};
  s.bind(1, key.account).bind(2, key.device_id).bind(3, key.muc);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return read_registration(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  return tl::unexpected(db_.error("looking up a device"));
}

StoreResult<Registration> SqliteStore::upsert_registration(const Registration& candidate) {
  if (auto r = db_.begin(); !r) return tl::unexpected(r.error());
  auto rollback_on_error = [&](StoreError e) -> StoreResult<Registration> {
    db_.rollback();
    return tl::unexpected(std::move(e));
  };
  auto existing = find_device(candidate);
  if (!existing) return rollback_on_error(existing.error());
  const auto now = now_ms();
  Registration stored = existing->value_or(candidate);
  if (*existing) {
    SqliteStatement u{db_,
                      "UPDATE registrations SET token = ?1, platform = ?2, app = ?3, enabled = 1,"
                      " disabled_reason = '', updated_ms = ?4, previous_secret = secret, secret = ?8,"
                      " voip_token = ?9 WHERE account = ?5 AND device_id = ?6 AND muc = ?7"};
    u.bind(1, candidate.token).bind(2, candidate.platform).bind(3, candidate.app).bind(4, now);
    u.bind(5, candidate.account).bind(6, candidate.device_id).bind(7, candidate.muc);
    u.bind(8, candidate.secret_hash).bind(9, candidate.voip_token);
    if (u.step() != SQLITE_DONE) return rollback_on_error(db_.error("updating a device"));
    stored.previous_secret_hash = std::exchange(stored.secret_hash, candidate.secret_hash);
    stored.token = candidate.token;
    stored.platform = candidate.platform;
    stored.app = candidate.app;
    stored.voip_token = candidate.voip_token;
  } else {
    SqliteStatement i{db_, "INSERT INTO registrations (" + std::string{kColumns} +
                                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, '',"
                                        " ?10, ?10, '', ?11)"};
    i.bind(1, candidate.node).bind(2, candidate.secret_hash).bind(3, candidate.account);
    i.bind(4, candidate.domain).bind(5, candidate.device_id).bind(6, candidate.muc);
    i.bind(7, candidate.platform).bind(8, candidate.token).bind(9, candidate.app).bind(10, now);
    i.bind(11, candidate.voip_token);
    if (i.step() != SQLITE_DONE) return rollback_on_error(db_.error("registering a device"));
    stored.created_ms = now;
  }
  stored.enabled = true;
  stored.disabled_reason.clear();
  stored.updated_ms = now;
  if (auto r = db_.commit(); !r) return tl::unexpected(r.error());
  return stored;
}

StoreResult<bool> SqliteStore::remove_registration(const std::string& account,
                                                   const std::string& device_id,
                                                   const std::string& muc) {
  SqliteStatement s{db_,
                    "DELETE FROM registrations WHERE account = ?1 AND device_id = ?2 AND muc = ?3"};
  s.bind(1, account).bind(2, device_id).bind(3, muc);
  if (s.step() != SQLITE_DONE) return tl::unexpected(db_.error("removing a device"));
  return sqlite3_changes(db_.handle()) > 0;
}

StoreResult<std::optional<Registration>> SqliteStore::find_registration(const std::string& domain,
                                                                         const std::string& node) {
  SqliteStatement s{db_, "SELECT " + std::string{kColumns} +
                                      " FROM registrations WHERE domain = ?1 AND node = ?2"};
  s.bind(1, domain).bind(2, node);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return read_registration(s);
  if (rc == SQLITE_DONE) return std::nullopt;
  return tl::unexpected(db_.error("looking up a node"));
}

StoreResult<std::vector<Registration>> SqliteStore::registrations_of(const std::string& account) {
  SqliteStatement s{db_, "SELECT " + std::string{kColumns} +
                                      " FROM registrations WHERE account = ?1 AND enabled = 1 ORDER BY id"};
  s.bind(1, account);
  std::vector<Registration> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_registration(s));
  if (rc != SQLITE_DONE) return tl::unexpected(db_.error("listing an account's devices"));
  return out;
}

namespace {
StoreResult<std::vector<Registration>> all_rows(SqliteDb& db, SqliteStatement& s, const char* what) {
  std::vector<Registration> out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_registration(s));
  if (rc != SQLITE_DONE) return tl::unexpected(db.error(what));
  return out;
}
}  // namespace

StoreResult<std::vector<Registration>> SqliteStore::devices_of(const std::string& account) {
  SqliteStatement s{db_, "SELECT " + std::string{kColumns} + " FROM registrations WHERE account = ?1 ORDER BY id"};
  s.bind(1, account);
  return all_rows(db_, s, "listing an account's devices");
}

StoreResult<std::vector<Registration>> SqliteStore::registrations_with_node(const std::string& node) {
  SqliteStatement s{db_, "SELECT " + std::string{kColumns} + " FROM registrations WHERE node = ?1 ORDER BY id"};
  s.bind(1, node);
  return all_rows(db_, s, "looking up a node");
}

StoreResult<bool> SqliteStore::enable_registration(const std::string& domain, const std::string& node) {
  SqliteStatement s{db_,
                    "UPDATE registrations SET enabled = 1, disabled_reason = '', updated_ms = ?1"
                    " WHERE domain = ?2 AND node = ?3 AND enabled = 0"};
  s.bind(1, now_ms()).bind(2, domain).bind(3, node);
  if (s.step() != SQLITE_DONE) return tl::unexpected(db_.error("enabling a device"));
  return sqlite3_changes(db_.handle()) > 0;
}

StoreResult<std::int64_t> SqliteStore::count_registrations() {
  SqliteStatement s{db_, "SELECT count(*) FROM registrations"};
  if (s.step() != SQLITE_ROW) return tl::unexpected(db_.error("counting registrations"));
  return s.integer(0);
}

StoreResult<bool> SqliteStore::disable_registration(const std::string& domain,
                                                   const std::string& node,
                                                   const std::string& reason,
                                                   std::int64_t dead_since_ms) {
  SqliteStatement s{db_,
                    "UPDATE registrations SET enabled = 0, disabled_reason = ?1, updated_ms = ?2"
                    " WHERE domain = ?3 AND node = ?4 AND enabled = 1 AND (?5 = 0 OR updated_ms <= ?5)"};
  s.bind(1, reason).bind(2, now_ms()).bind(3, domain).bind(4, node).bind(5, dead_since_ms);
  if (s.step() != SQLITE_DONE) return tl::unexpected(db_.error("disabling a device"));
  return sqlite3_changes(db_.handle()) > 0;
}

}  // namespace xpush::store
