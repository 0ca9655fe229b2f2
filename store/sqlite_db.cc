#include "store/sqlite_db.h"

#include <utility>

namespace xpush::store {

SqliteStatement::SqliteStatement(SqliteDb& db, std::string_view sql)
    : db_(db), sql_(sql), stmt_(db.take(sql_)) {}

SqliteStatement::~SqliteStatement() {
  if (stmt_) db_.give_back(sql_, stmt_);
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
  for (auto& [sql, stmt] : cached_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* SqliteDb::take(const std::string& sql) {
  if (auto kept = cached_.extract(sql)) return kept.mapped();
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  return stmt;
}

void SqliteDb::give_back(const std::string& sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (cached_.size() >= kMaxCached || cached_.contains(sql)) {
    sqlite3_finalize(stmt);
    return;
  }
  cached_.emplace(sql, stmt);
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
  auto r = exec(depth_ == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT nested");
  if (r) ++depth_;
  return r;
}

StoreResult<void> SqliteDb::commit() {
  auto r = exec(depth_ == 1 ? "COMMIT" : "RELEASE nested");
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
