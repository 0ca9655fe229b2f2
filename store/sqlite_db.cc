#include "store/sqlite_db.h"

#include <utility>

namespace xpush::store {

SqliteStatement::SqliteStatement(SqliteDb& db, std::string_view sql) : db_(db) {
  stmt_ = db.take(sql, in_use_);  // in the body: take() sets in_use_ too
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) SqliteDb::give_back(stmt_, in_use_);
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

int SqliteStatement::step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string{reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))}
           : std::string{};
}

std::int64_t SqliteStatement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

StoreResult<SqliteDb> SqliteDb::open(const std::string& path) {
  // Memory statistics take a global mutex on every allocation SQLite makes;
  // nothing here reads them. Only possible before SQLite initialises: later
  // calls are refused and change nothing.
  static const int statistics_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)statistics_off;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    StoreError e{StoreErrorKind::kFatal,
                 "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return tl::unexpected(e);
  }
  sqlite3_busy_timeout(db, 5000);
  return SqliteDb{db};
}

SqliteDb::SqliteDb(SqliteDb&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), depth_(other.depth_), cached_(std::move(other.cached_)) {}

SqliteDb::~SqliteDb() {
  for (auto& [sql, kept] : cached_) sqlite3_finalize(kept.stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteDb::take(std::string_view sql, bool*& in_use) {
  in_use = nullptr;
  auto kept = cached_.find(sql);
  if (kept != cached_.end() && !kept->second.in_use) {
    kept->second.in_use = true;
    in_use = &kept->second.in_use;
    return kept->second.stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  if (kept == cached_.end() && cached_.size() < kMaxCached) {
    auto& slot = cached_.emplace(std::string{sql}, Kept{stmt, true}).first->second;
    in_use = &slot.in_use;
  }
  return stmt;
}

void SqliteDb::give_back(sqlite3_stmt* stmt, bool* in_use) {
  if (!in_use) {
    sqlite3_finalize(stmt);
    return;
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  *in_use = false;
}

// A statement without parameters or rows, from the cache: transaction
// control runs several times per batch and is not worth parsing each time.
StoreResult<void> SqliteDb::run_kept(std::string_view sql) {
  SqliteStatement s{*this, sql};
  if (!s.ok()) return tl::unexpected(error(sql));
  if (s.step() != SQLITE_DONE) return tl::unexpected(error(sql));
  return {};
}

StoreResult<void> SqliteDb::exec(std::string_view sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, std::string{sql}.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return tl::unexpected(error(text));
  }
  return {};
}

StoreResult<void> SqliteDb::begin() {
  auto r = run_kept(depth_ == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT nested");
  if (r) ++depth_;
  return r;
}

StoreResult<void> SqliteDb::commit() {
  auto r = run_kept(depth_ == 1 ? "COMMIT" : "RELEASE nested");
  if (r) {
    --depth_;
  } else {
    rollback();
  }
  return r;
}

void SqliteDb::rollback() {
  if (depth_ == 0) return;
  (void)exec(depth_ == 1 ? "ROLLBACK" : "ROLLBACK TO nested; RELEASE nested");
  --depth_;
}

StoreError SqliteDb::error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_);
  const int primary = code & 0xff;
  const bool temporary = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ||
                         primary == SQLITE_IOERR || primary == SQLITE_FULL;
  const bool conflict = primary == SQLITE_CONSTRAINT;
  return StoreError{conflict    ? StoreErrorKind::kConflict
                    : temporary ? StoreErrorKind::kUnavailable
                                : StoreErrorKind::kFatal,
                    std::string{what} + ": " + sqlite3_errmsg(db_)};
}

}  // namespace xpush::store
