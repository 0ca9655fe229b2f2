#include "engine/status_board.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "store/sqlite_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush {
namespace {

store::OutboxEntry entry(std::string id, std::int64_t created_ms) {
  store::OutboxEntry e;
  e.id = std::move(id);
  e.domain = "example.org";
  e.node = "N1";
  e.payload = "{}";
  e.created_ms = created_ms;
  e.expires_ms = created_ms + 3'600'000;
  e.next_attempt_ms = created_ms;
  return e;
}

TEST(StatusBoard, CountsTheOutboxAndGroupsDeadLettersByReason) {
  testing::TempDir dir;
  {
    auto store = *store::SqliteStore::open(dir.file("x.db"));
    ASSERT_TRUE(store->enqueue(entry("a", 5'000)));
    ASSERT_TRUE(store->enqueue(entry("b", 2'000)));
    for (const auto& [id, reason] : std::vector<std::pair<std::string, std::string>>{
             {"c", "PayloadTooLarge"}, {"d", "retries spent; last: 503"}, {"e", "PayloadTooLarge"}}) {
      ASSERT_TRUE(store->enqueue(entry(id, 1'000)));
      ASSERT_TRUE(store->bury_entry(id, 3, reason));
    }
  }
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  StoreWorker worker{io.get_executor(), *store::SqliteStore::open(dir.file("x.db"))};
  const auto now = std::chrono::system_clock::time_point{std::chrono::milliseconds{9'000}};
  std::uint64_t accepted = 10, delivered = 4;
  StatusBoard board{io.get_executor(), worker, [now] { return now; },
                    [&] { return std::pair{accepted, delivered}; }};
  AdminStatus status;
  board.fill(status);
  EXPECT_EQ(status.outbox_pending, -1);  // not counted yet
  board.start();
  for (int i = 0; i < 200 && status.outbox_pending < 0; ++i) {
    io.run_one_for(std::chrono::milliseconds{10});
    board.fill(status);
  }
  EXPECT_EQ(status.outbox_pending, 2);
  EXPECT_EQ(status.outbox_dead, 3);
  EXPECT_EQ(status.outbox_oldest_pending_ms, 2'000);
  EXPECT_EQ(status.outbox_counted_ms, 9'000);
  ASSERT_EQ(status.dead_letter_reasons.size(), 2u);
  EXPECT_EQ(status.dead_letter_reasons[0].reason, "PayloadTooLarge");
  EXPECT_EQ(status.dead_letter_reasons[0].count, 2);
  EXPECT_EQ(status.started_ms, 9'000);
  board.stop();
}

TEST(StatusBoard, RatesAreTheLastMinutesPerSecondDeltas) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  testing::TempDir dir;
  StoreWorker worker{io.get_executor(), *store::SqliteStore::open(dir.file("x.db"))};
  std::uint64_t accepted = 100, delivered = 90;
  StatusBoard board{io.get_executor(), worker, [] { return std::chrono::system_clock::time_point{}; },
                    [&] { return std::pair{accepted, delivered}; }};
  board.start();
  AdminStatus status;
  // Each second's tick takes the difference since the last one.
  for (int second = 0; second < 2; ++second) {
    accepted += 5;
    delivered += 3 + second;
    const auto ticks = status.accepted_per_second.size();
    for (int i = 0; i < 300 && status.accepted_per_second.size() == ticks; ++i) {
      io.run_one_for(std::chrono::milliseconds{10});
      board.fill(status);
    }
  }
  EXPECT_EQ(status.accepted_per_second, (std::vector<std::uint32_t>{5, 5}));
  EXPECT_EQ(status.delivered_per_second, (std::vector<std::uint32_t>{3, 4}));
  board.stop();
}

}  // namespace
}  // namespace xpush
