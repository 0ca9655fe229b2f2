#include "store/pg_store.h"

#include "store/wall_clock.h"

namespace xpush::store {

namespace {

// Index i holds the statements that take the schema from version i to i + 1.
constexpr std::string_view kMigrations[] = {
    R"sql(
CREATE TABLE registrations (
  id              BIGSERIAL PRIMARY KEY,
  node            TEXT NOT NULL,
  secret          TEXT NOT NULL,
  account         TEXT NOT NULL,
  domain          TEXT NOT NULL,
  device_id       TEXT NOT NULL,
  muc             TEXT NOT NULL DEFAULT '',
  platform        TEXT NOT NULL,
  token           TEXT NOT NULL,
  app             TEXT NOT NULL DEFAULT '',
  enabled         SMALLINT NOT NULL DEFAULT 1,
  disabled_reason TEXT NOT NULL DEFAULT '',
  created_ms      BIGINT NOT NULL,
  updated_ms      BIGINT NOT NULL,
  UNIQUE (domain, node),
  UNIQUE (account, device_id, muc)
);
CREATE INDEX registrations_of_account ON registrations (account);
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY,
  domain          TEXT NOT NULL,
  node            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  created_ms      BIGINT NOT NULL,
  expires_ms      BIGINT NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  state           SMALLINT NOT NULL DEFAULT 0,
  last_reason     TEXT NOT NULL DEFAULT '',
  lease_owner     TEXT NOT NULL DEFAULT '',
  lease_until_ms  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
CREATE SEQUENCE messages_id_seq;
CREATE TABLE messages (
  id          BIGINT NOT NULL DEFAULT nextval('messages_id_seq'),
  account     TEXT NOT NULL,
  domain      TEXT NOT NULL,
  sender      TEXT NOT NULL DEFAULT '',
  message_id  TEXT NOT NULL DEFAULT '',
  source      TEXT NOT NULL,
  content     TEXT NOT NULL,
  received_ms BIGINT NOT NULL
) PARTITION BY RANGE (received_ms);
CREATE INDEX messages_of_account ON messages (account, id);
-- Rows of held accounts rescued from a day's partition before it is dropped.
CREATE TABLE messages_held (LIKE messages INCLUDING DEFAULTS);
CREATE INDEX messages_held_of_account ON messages_held (account, id);
CREATE INDEX messages_held_by_age ON messages_held (received_ms);
CREATE TABLE legal_holds (
  account    TEXT PRIMARY KEY,
  reason     TEXT NOT NULL,
  created_ms BIGINT NOT NULL
);
-- Messages stored since the account was last back: the badge.
CREATE TABLE unread_counts (
  account TEXT PRIMARY KEY,
  unread  BIGINT NOT NULL
);
)sql",
    // Node secrets kept only as hashes (store/registration.h); the one issued
    // before the last registration stays valid until the next.
    R"sql(
ALTER TABLE registrations ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
UPDATE registrations SET secret = 'sha256:' || encode(sha256(convert_to(secret, 'UTF8')), 'hex')
  WHERE secret NOT LIKE 'sha256:%';
)sql",
    // What instances must agree on besides the rows (store/shared_windows.h):
    // not precious, so unlogged.
    R"sql(
CREATE UNLOGGED TABLE shared_marks (
  key      TEXT PRIMARY KEY,
  until_ms BIGINT NOT NULL
);
CREATE UNLOGGED TABLE alert_windows (
  device        TEXT PRIMARY KEY,
  next_free_ms  BIGINT NOT NULL DEFAULT 0,
  digest_id     TEXT NOT NULL DEFAULT '',
  digest_due_ms BIGINT NOT NULL DEFAULT 0,
  count         INTEGER NOT NULL DEFAULT 0
);
CREATE UNLOGGED TABLE shared_tallies (
  id       BIGSERIAL PRIMARY KEY,
  name     TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
CREATE INDEX shared_tallies_by_name ON shared_tallies (name, id);
CREATE UNLOGGED TABLE shared_instances (
  domain   TEXT NOT NULL,
  instance TEXT NOT NULL,
  seen_ms  BIGINT NOT NULL,
  PRIMARY KEY (domain, instance)
);
)sql",
    // Per chat, the messages counted since the account was last back; a row
    // lives until its chat is read on one of the user's devices.
    R"sql(
CREATE TABLE unread_chats (
  account TEXT NOT NULL,
  chat    TEXT NOT NULL,
  unread  BIGINT NOT NULL,
  PRIMARY KEY (account, chat)
);
)sql",
    // An Apple device's PushKit token, for calls.
    R"sql(
ALTER TABLE registrations ADD COLUMN voip_token TEXT NOT NULL DEFAULT '';
)sql",
};
static_assert(std::size(kMigrations) == PgStore::kSchemaVersion);

// Any number, the same in every xpush: migrations never run side by side.
constexpr std::string_view kMigrationLock = "7081930357";

constexpr std::string_view kColumns =
    "node, secret, account, domain, device_id, muc, platform, token, app, enabled, "
    "disabled_reason, created_ms, updated_ms, previous_secret, voip_token";

Registration read_registration(const PgResult& r, int row) {
  Registration g;
  g.node = r.text(row, 0);
  g.secret_hash = r.text(row, 1);
  g.account = r.text(row, 2);
  g.domain = r.text(row, 3);
  g.device_id = r.text(row, 4);
  g.muc = r.text(row, 5);
  g.platform = r.text(row, 6);
  g.token = r.text(row, 7);
  g.app = r.text(row, 8);
  g.enabled = r.integer(row, 9) != 0;
  g.disabled_reason = r.text(row, 10);
  g.created_ms = r.integer(row, 11);
  g.updated_ms = r.integer(row, 12);
  g.previous_secret_hash = r.text(row, 13);
  g.voip_token = r.text(row, 14);
  return g;
}

}  // namespace

StoreResult<std::unique_ptr<PgStore>> PgStore::open(const std::string& dsn, std::chrono::milliseconds timeout) {
  auto db = PgDb::connect(dsn, timeout);
  if (!db) return tl::unexpected(db.error());
  std::unique_ptr<PgStore> store{new PgStore(std::move(*db))};
  if (auto r = store->migrate(); !r) return tl::unexpected(r.error());
  auto windows = PgSharedWindows::open(dsn, timeout);
  if (!windows) return tl::unexpected(windows.error());
  store->windows_ = std::move(*windows);
  return store;
}

StoreResult<void> PgStore::migrate() {
  return pg_transaction(db_, [&]() -> StoreResult<void> {
    const std::string lock = "SELECT pg_advisory_xact_lock(" + std::string{kMigrationLock} + ")";
    if (auto r = db_.exec("locking the schema", lock); !r) return r;
    if (auto r = db_.exec("reading the schema version",
                          "CREATE TABLE IF NOT EXISTS xpush_schema (version INTEGER NOT NULL)");
        !r) {
      return r;
    }
    auto version = db_.query("reading the schema version", "SELECT coalesce(max(version), 0) FROM xpush_schema");
    if (!version) return tl::unexpected(version.error());
    const auto current = version->integer(0, 0);
    if (current > kSchemaVersion) {
      return tl::unexpected(StoreError{
          StoreErrorKind::kFatal, "database schema version " + std::to_string(current) +
                                      " is newer than this xpush understands (" +
                                      std::to_string(kSchemaVersion) + "); refusing to run"});
    }
    for (auto v = current; v < kSchemaVersion; ++v) {
      if (auto r = db_.exec("migrating the schema to version " + std::to_string(v + 1),
                            std::string{kMigrations[v]});
          !r) {
        return r;
      }
    }
    if (current == kSchemaVersion) return {};
    return db_.exec("recording the schema version", "DELETE FROM xpush_schema; INSERT INTO xpush_schema VALUES (" +
                                                         std::to_string(kSchemaVersion) + ")");
  });
}

StoreResult<void> PgStore::void_query(std::string_view what, const std::string& sql,
                                      std::initializer_list<PgParam> params) {
  auto r = db_.query(what, sql, params);
  if (!r) return tl::unexpected(r.error());
  return {};
}

// One statement: two instances registering the same device cannot race.
StoreResult<Registration> PgStore::upsert_registration(const Registration& c) {
  // In a transaction of its own (a savepoint within a batch): a node taken by
  // another account fails this call alone.
  return pg_transaction(db_, [&]() -> StoreResult<Registration> { return insert_or_update(c); });
}

StoreResult<Registration> PgStore::insert_or_update(const Registration& c) {
  auto r = db_.query(
      "registering a device",
      "INSERT INTO registrations (" + std::string{kColumns} +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, '', $10, $10, '', $11)"
          " ON CONFLICT (account, device_id, muc) DO UPDATE SET token = excluded.token,"
          " platform = excluded.platform, app = excluded.app, enabled = 1, disabled_reason = '',"
          " updated_ms = excluded.updated_ms, previous_secret = registrations.secret,"
          " secret = excluded.secret, voip_token = excluded.voip_token RETURNING " + std::string{kColumns},
      {c.node, c.secret_hash, c.account, c.domain, c.device_id, c.muc, c.platform, c.token, c.app, now_ms(),
       c.voip_token});
  if (!r) return tl::unexpected(r.error());
  return read_registration(*r, 0);
}

StoreResult<bool> PgStore::remove_registration(const std::string& account, const std::string& device_id,
                                               const std::string& muc) {
  auto r = db_.query("removing a device",
                     "DELETE FROM registrations WHERE account = $1 AND device_id = $2 AND muc = $3",
                     {account, device_id, muc});
  if (!r) return tl::unexpected(r.error());
  return r->affected() > 0;
}

StoreResult<std::optional<Registration>> PgStore::find_registration(const std::string& domain,
                                                                     const std::string& node) {
  auto r = db_.query("looking up a node",
                     "SELECT " + std::string{kColumns} + " FROM registrations WHERE domain = $1 AND node = $2",
                     {domain, node});
  if (!r) return tl::unexpected(r.error());
  if (r->rows() == 0) return std::nullopt;
  return read_registration(*r, 0);
}

StoreResult<std::vector<Registration>> PgStore::registrations_where(const char* what, const std::string& condition,
                                                                   const std::string& value) {
  auto r = db_.query(what, "SELECT " + std::string{kColumns} + " FROM registrations WHERE " + condition + " ORDER BY id",
                     {value});
  if (!r) return tl::unexpected(r.error());
  std::vector<Registration> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(read_registration(*r, i));
  return out;
}

StoreResult<std::vector<Registration>> PgStore::registrations_of(const std::string& account) {
  return registrations_where("listing an account's devices", "account = $1 AND enabled = 1", account);
}

StoreResult<std::vector<Registration>> PgStore::devices_of(const std::string& account) {
  return registrations_where("listing an account's devices", "account = $1", account);
}

StoreResult<std::vector<Registration>> PgStore::registrations_with_node(const std::string& node) {
  return registrations_where("looking up a node", "node = $1", node);
}

StoreResult<bool> PgStore::enable_registration(const std::string& domain, const std::string& node) {
  auto r = db_.query("enabling a device",
                     "UPDATE registrations SET enabled = 1, disabled_reason = '', updated_ms = $1"
                     " WHERE domain = $2 AND node = $3 AND enabled = 0",
                     {now_ms(), domain, node});
  if (!r) return tl::unexpected(r.error());
  return r->affected() > 0;
}

StoreResult<std::int64_t> PgStore::count_registrations() {
  auto r = db_.query("counting registrations", "SELECT count(*) FROM registrations");
  if (!r) return tl::unexpected(r.error());
  return r->integer(0, 0);
}

StoreResult<bool> PgStore::disable_registration(const std::string& domain, const std::string& node,
                                                const std::string& reason, std::int64_t dead_since_ms) {
  auto r = db_.query("disabling a device",
                     "UPDATE registrations SET enabled = 0, disabled_reason = $1, updated_ms = $2"
                     " WHERE domain = $3 AND node = $4 AND enabled = 1 AND ($5::bigint = 0 OR"
                     " updated_ms <= $5::bigint)",
                     {reason, now_ms(), domain, node, dead_since_ms});
  if (!r) return tl::unexpected(r.error());
  return r->affected() > 0;
}

}  // namespace xpush::store
