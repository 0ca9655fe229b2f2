// What only the SQLite backend does: its file, its schema history, and
// retention in batches of rows.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "store/sqlite_store.h"
#include "tests/unit/store/open_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush::store {
namespace {

using test_util::message;
using test_util::open_store;

TEST(SqliteStore, RefusesANewerSchema) {
  testing::TempDir dir;
  {
    auto db = SqliteDb::open(dir.file("x.db"));
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("PRAGMA user_version = 99"));
  }
  auto s = SqliteStore::open(dir.file("x.db"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, StoreErrorKind::kFatal);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST(SqliteStore, UnopenablePathSaysWhich) {
  auto s = SqliteStore::open("/nonexistent-dir/x.db");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("/nonexistent-dir/x.db"), std::string::npos);
}

TEST(SqliteStore, RetentionPurgesInBatchesAndSparesLegalHolds) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", 1000 + i)));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->store_message(message("held@example.org", 1000 + i)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", 9000)));  // newer than the cutoff
  ASSERT_TRUE(store->hold_messages("held@example.org", "case 2026-17"));

  std::vector<std::int64_t> batches;
  for (int i = 0; i < 10; ++i) {
    const auto purged = store->purge_messages(5000, 10);
    ASSERT_TRUE(purged);
    batches.push_back(purged->purged);
    if (!purged->more) break;
  }
  EXPECT_EQ(batches, (std::vector<std::int64_t>{10, 10, 5}));
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(*store->count_messages("held@example.org"), 5);

}

TEST(SqliteStore, AVersionTwoFileGainsTheTablesAndKeepsItsRows) {
  testing::TempDir dir;
  const auto path = dir.file("old.db");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    // What xpush wrote before offline messages existed.
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE registrations (id INTEGER PRIMARY KEY, node TEXT NOT NULL, secret TEXT NOT NULL,"
                           " account TEXT NOT NULL, domain TEXT NOT NULL, device_id TEXT NOT NULL, muc TEXT NOT NULL DEFAULT '',"
                           " platform TEXT NOT NULL, token TEXT NOT NULL, app TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL"
                           " DEFAULT 1, disabled_reason TEXT NOT NULL DEFAULT '', created_ms INTEGER NOT NULL, updated_ms"
                           " INTEGER NOT NULL, UNIQUE (domain, node), UNIQUE (account, device_id, muc));"
                           "CREATE TABLE outbox (id TEXT PRIMARY KEY, domain TEXT NOT NULL, node TEXT NOT NULL, payload TEXT"
                           " NOT NULL, created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL, next_attempt_ms INTEGER NOT"
                           " NULL, attempts INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL DEFAULT 0, last_reason TEXT NOT"
                           " NULL DEFAULT '');"
                           "INSERT INTO registrations (node, secret, account, domain, device_id, platform, token, created_ms,"
                           " updated_ms) VALUES ('N1', 's', 'alice@example.org', 'example.org', 'd', 'fcm', 't', 1, 1);"
                           "INSERT INTO outbox (id, domain, node, payload, created_ms, expires_ms, next_attempt_ms)"
                           " VALUES ('queued', 'example.org', 'N1', '{}', 1, 99999, 1);"
                           "PRAGMA user_version = 2;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = open_store(path);
  const auto kept = *store->find_registration("example.org", "N1");
  ASSERT_TRUE(kept);
  // The secret stored in clear then is now only its hash.
  EXPECT_EQ(kept->secret_hash, node_secret_hash("s"));
  EXPECT_EQ(kept->previous_secret_hash, "");
  ASSERT_TRUE(store->store_message(message("alice@example.org", 1)));
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "bob@example.org"), std::optional<std::int64_t>{0});
  // What the outbox held before leases existed is claimable.
  const auto claimed = store->claim_due(10, 10, {"one", 60'010});
  ASSERT_TRUE(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->at(0).id, "queued");
}

}  // namespace
}  // namespace xpush::store
