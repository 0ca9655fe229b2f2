#include "store/sqlite_checkpointer.h"

#include <pthread.h>

namespace xpush::store {

std::unique_ptr<SqliteCheckpointer> SqliteCheckpointer::start(const std::string& path,
                                                              std::chrono::milliseconds interval) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 1000);
  return std::unique_ptr<SqliteCheckpointer>{new SqliteCheckpointer(db, interval)};
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* db, std::chrono::milliseconds interval)
    : db_(db), interval_(interval), thread_([this] { run(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard lock{mutex_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  // What is still in the WAL goes into the file before the store closes.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  sqlite3_close(db_);
}

void SqliteCheckpointer::run() {
  pthread_setname_np(pthread_self(), "xpush-ckpt");
  std::unique_lock lock{mutex_};
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never waits for the
    // writer. A failure is tried again next round; should it persist, the
    // commits' own checkpoint at the raised limit still bounds the WAL.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
  }
}

}  // namespace xpush::store
