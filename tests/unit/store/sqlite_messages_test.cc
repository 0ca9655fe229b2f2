// Offline messages in a real SQLite file: per-user listing, counting and
// erasure, retention purges in batches, and legal holds.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include "store/sqlite_store.h"
#include "tests/unit/store/open_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush::store {
namespace {

OfflineMessage message(const std::string& account, std::int64_t received_ms, const std::string& text = "hi") {
  OfflineMessage m;
  m.account = account;
  m.domain = "example.org";
  m.sender = "bob@example.org";
  m.message_id = "m-" + std::to_string(received_ms);
  m.source = "stanza";
  m.content = "<message xmlns='jabber:client'><body>" + text + "</body></message>";
  m.received_ms = received_ms;
  return m;
}

using test_util::open_store;

TEST(SqliteMessages, ListedNewestFirstInPagesCountedAndErasedPerUser) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", i * 1000, "a" + std::to_string(i))));
  ASSERT_TRUE(store->store_message(message("carol@example.org", 1000)));
  auto page = store->messages_of("alice@example.org", 2, 0);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ(page->at(0).received_ms, 5000);
  EXPECT_EQ(page->at(1).received_ms, 4000);
  EXPECT_EQ(page->at(0).content, "<message xmlns='jabber:client'><body>a5</body></message>");
  auto next = store->messages_of("alice@example.org", 10, page->back().id);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->size(), 3u);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 5);
  EXPECT_EQ(*store->erase_messages("alice@example.org"), 5);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 0);
  EXPECT_EQ(*store->count_messages("carol@example.org"), 1);  // nobody else's
}

TEST(SqliteMessages, RetentionPurgesInBatchesAndSparesLegalHolds) {
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
    batches.push_back(*purged);
    if (*purged < 10) break;
  }
  EXPECT_EQ(batches, (std::vector<std::int64_t>{10, 10, 5}));
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(*store->count_messages("held@example.org"), 5);

  EXPECT_TRUE(*store->release_messages("held@example.org"));
  EXPECT_FALSE(*store->release_messages("held@example.org"));
  EXPECT_EQ(*store->purge_messages(5000, 10), 5);
  // Erasure on request is not stopped by a hold: that is the operator's call.
  ASSERT_TRUE(store->hold_messages("alice@example.org", "case"));
  EXPECT_EQ(*store->erase_messages("alice@example.org"), 1);
}

TEST(SqliteMessages, AVersionTwoFileGainsTheTablesAndKeepsItsRows) {
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
                           "PRAGMA user_version = 2;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = open_store(path);
  EXPECT_TRUE(*store->find_registration("example.org", "N1"));
  ASSERT_TRUE(store->store_message(message("alice@example.org", 1)));
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
}

}  // namespace
}  // namespace xpush::store
