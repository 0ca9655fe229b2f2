// Copies the WAL back into the database file from a connection and a thread
// of its own. SQLite would otherwise checkpoint inside whichever commit
// crosses the WAL's size limit, and that commit (with every answer waiting
// on it) would pay for copying and syncing a thousand pages.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <sqlite3.h>

namespace xpush::store {

class SqliteCheckpointer {
 public:
  // Opens its own connection to `path` (in WAL mode already); nullptr when
  // it cannot.
  static std::unique_ptr<SqliteCheckpointer> start(const std::string& path, std::chrono::milliseconds interval);
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

 private:
  SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds interval);
  void run();

  sqlite3* db_ = nullptr;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace xpush::store
