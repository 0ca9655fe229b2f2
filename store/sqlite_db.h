// A thin RAII layer over the SQLite C API: a connection and prepared
// statements with positional binding. Errors are values. Statements are
// prepared once per connection and kept: a SqliteStatement borrows the
// prepared statement for its SQL text and hands it back, reset, when it ends.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace xpush::store {

class SqliteDb;

class SqliteStatement {
 public:
  SqliteStatement(SqliteDb& db, std::string_view sql);
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
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool* in_use_ = nullptr;  // the cache's mark, when the statement is the cached one
};

class SqliteDb {
 public:
  static StoreResult<SqliteDb> open(const std::string& path);
  SqliteDb(SqliteDb&& other) noexcept;
  SqliteDb& operator=(SqliteDb&&) = delete;
  ~SqliteDb();

  sqlite3* handle() const { return db_; }
  StoreResult<void> exec(std::string_view sql);
  // A write transaction that nests: the outermost is BEGIN IMMEDIATE ...
  // COMMIT, one inside it (a store call within a group-committed batch) a
  // savepoint, so that its failure undoes only its own writes.
  StoreResult<void> begin();
  StoreResult<void> commit();
  void rollback();
  StoreError error(std::string_view what) const;

  // The statement cache behind SqliteStatement: take() prepares `sql` or
  // lends the kept statement for that text (nullptr when SQLite refuses the
  // SQL) and sets `in_use` to the cache's mark for it, or to nullptr when the
  // statement is not the kept one (the cache is full, or the kept one is lent
  // already); give_back() resets it and keeps or finalizes it accordingly.
  sqlite3_stmt* take(std::string_view sql, bool*& in_use);
  static void give_back(sqlite3_stmt* stmt, bool* in_use);

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  explicit SqliteDb(sqlite3* db) : db_(db) {}
  StoreResult<void> run_kept(std::string_view sql);

  static constexpr std::size_t kMaxCached = 64;
  sqlite3* db_;
  int depth_ = 0;  // open begin()s
  // Node-based: a Kept's address stays valid while the map grows.
  std::unordered_map<std::string, Kept, TextHash, std::equal_to<>> cached_;
};

}  // namespace xpush::store
