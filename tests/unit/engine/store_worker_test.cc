// Group commit: results come back only once their batch is durable, and a
// batch whose commit fails reports every call in it as failed.
#include "engine/store_worker.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "store/sqlite_store.h"
#include "tests/unit/engine/unavailable_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush {
namespace {

// Every call succeeds; the commit that should make them durable does not.
class CommitFailsStore : public test_util::UnavailableStore {
 public:
  store::StoreResult<std::int64_t> count_registrations() override { return 7; }
  store::StoreResult<void> end_batch() override { return tl::unexpected(busy()); }
};

struct Outcomes {
  int ok = 0, failed = 0;
  std::string last_error;
};

void run_calls(StoreWorker& worker, boost::asio::io_context& io, int calls, Outcomes& out) {
  for (int i = 0; i < calls; ++i) {
    worker.run([](store::Store& s) { return s.count_registrations(); },
               [&out](store::StoreResult<std::int64_t> r) {
                 if (r) {
                   ++out.ok;
                 } else {
                   ++out.failed;
                   out.last_error = r.error().message;
                 }
               });
  }
  for (int i = 0; i < 500 && out.ok + out.failed < calls; ++i) io.run_one_for(std::chrono::milliseconds{10});
}

TEST(StoreWorker, AFailedCommitFailsEveryCallInTheBatch) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StoreWorker worker{io.get_executor(), std::make_unique<CommitFailsStore>()};
  Outcomes out;
  run_calls(worker, io, 50, out);
  EXPECT_EQ(out.ok, 0);
  EXPECT_EQ(out.failed, 50);
  EXPECT_EQ(out.last_error, "disk busy");
}

TEST(StoreWorker, EveryAnsweredWriteIsInTheFileAfterwards) {
  testing::TempDir dir;
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StoreWorker worker{io.get_executor(), std::move(*store::SqliteStore::open(dir.file("x.db")))};
  Outcomes out;
  for (int i = 0; i < 200; ++i) {
    worker.run(
        [i](store::Store& s) {
          store::OutboxEntry e;
          e.id = "n" + std::to_string(i);
          e.domain = "example.org";
          e.node = "node";
          e.payload = "{}";
          e.expires_ms = 1;
          return s.enqueue(e);
        },
        [&out](store::StoreResult<void> r) { r ? ++out.ok : ++out.failed; });
  }
  for (int i = 0; i < 500 && out.ok + out.failed < 200; ++i) io.run_one_for(std::chrono::milliseconds{10});
  EXPECT_EQ(out.ok, 200);
  // Reopened from the file: every answered write is there.
  auto reopened = store::SqliteStore::open(dir.file("x.db"));
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->outbox_counts()->pending, 200);
}

}  // namespace
}  // namespace xpush
