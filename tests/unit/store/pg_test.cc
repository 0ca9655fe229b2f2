// What only the PostgreSQL backend does: its schema guard, day partitions
// dropped whole, and instances that start together.
#include <gtest/gtest.h>

#include <thread>

#include "store/pg_store.h"
#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

using test_util::Backend;
using test_util::StoreLocationForTest;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kMonday = 20'000 * kDay;

using test_util::message;

std::vector<std::string> partitions(const std::string& dsn) {
  auto db = PgDb::connect(dsn);
  EXPECT_TRUE(db);
  auto r = db->query("listing", "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                                " WHERE i.inhparent = 'messages'::regclass ORDER BY 1");
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  std::vector<std::string> out;
  for (int i = 0; r && i < r->rows(); ++i) out.push_back(r->text(i, 0));
  return out;
}

TEST(PgStore, MessagesLiveInOnePartitionPerUtcDay) {
  StoreLocationForTest where{Backend::kPostgres};
  auto store = where.open();
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay - 1)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay)));
  // 20000 days after 1970-01-01 is 2024-10-04.
  EXPECT_EQ(partitions(where.location().postgresql_dsn),
            (std::vector<std::string>{"messages_20241004", "messages_20241005"}));
}

TEST(PgStore, RetentionDropsOnlyWholeDaysPastTheCutoff) {
  StoreLocationForTest where{Backend::kPostgres};
  auto store = where.open();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + i)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + kDay + 5)));
  // The cutoff falls inside the second day: only the first is wholly past it.
  const auto first = store->purge_messages(kMonday + kDay + 10, 10);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->purged, 30);  // a whole day at once, whatever the batch
  const auto second = store->purge_messages(kMonday + kDay + 10, 10);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->purged, 0);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(partitions(where.location().postgresql_dsn), std::vector<std::string>{"messages_20241005"});
  // A day dropped is recreated when a late message for it arrives.
  ASSERT_TRUE(store->store_message(message("bob@example.org", kMonday + 1)));
  EXPECT_EQ(*store->count_messages("bob@example.org"), 1);
}

TEST(PgStore, RefusesANewerSchema) {
  StoreLocationForTest where{Backend::kPostgres};
  ASSERT_TRUE(where.open());
  {
    auto db = PgDb::connect(where.location().postgresql_dsn);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("test", "UPDATE xpush_schema SET version = 99"));
  }
  auto s = PgStore::open(where.location().postgresql_dsn);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreErrorKind::kFatal);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST(PgStore, InstancesStartingTogetherMigrateOnce) {
  StoreLocationForTest where{Backend::kPostgres};
  std::vector<std::thread> starters;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    starters.emplace_back([&] {
      if (PgStore::open(where.location().postgresql_dsn)) ++opened;
    });
  }
  for (auto& t : starters) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto db = PgDb::connect(where.location().postgresql_dsn);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->query("test", "SELECT version FROM xpush_schema")->integer(0, 0), PgStore::kSchemaVersion);
}

TEST(PgStore, AnUnreachableServerIsATemporaryErrorThatSaysWhy) {
  auto s = PgStore::open("host=127.0.0.1 port=1 dbname=xpush connect_timeout=2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreErrorKind::kUnavailable);
  EXPECT_NE(s.error().message.find("cannot connect to PostgreSQL"), std::string::npos);
}

TEST(PgStore, DescribedWithoutItsPassword) {
  EXPECT_EQ(describe(StoreLocation{.postgresql_dsn = "host=db.internal port=6432 dbname=push password=hunter2"}),
            "PostgreSQL db.internal:6432/push");
  EXPECT_EQ(describe(StoreLocation{.postgresql_dsn = "postgresql://xpush:hunter2@db.internal/push"}),
            "PostgreSQL db.internal:5432/push");
}

}  // namespace
}  // namespace xpush::store
