// A thin RAII layer over the SQLite C API: a connection and prepared
// statements with positional binding. Errors are values.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "store/store.h"

namespace xpush::store {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, std::int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step();
  // Ready to run again with new bindings.
  void reset();
  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

class SqliteDb {
 public:
  static StoreResult<SqliteDb> open(const std::string& path);
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&&) = delete;
  ~SqliteDb();

  sqlite3* handle() const { return db_; }
  StoreResult<void> exec(std::string_view sql);
  StoreError error(std::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace xpush::store
