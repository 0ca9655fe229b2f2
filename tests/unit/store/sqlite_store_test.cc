#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include "tests/unit/store/open_store.h"
#include "tests/unit/temp_dir.h"

namespace xpush::store {
namespace {

Registration device(std::string node, std::string device_id = "phone-1",
                    std::string account = "alice@example.org") {
  Registration r;
  r.node = std::move(node);
  r.secret = "secret-of-" + r.node;
  r.account = std::move(account);
  r.domain = "example.org";
  r.device_id = std::move(device_id);
  r.platform = "fcm";
  r.token = "token-1";
  return r;
}

using test_util::open_store;

TEST(SqliteStore, RegisterThenFindByServerAndNode) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  auto stored = store->upsert_registration(device("N1"));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->node, "N1");
  auto found = store->find_registration("example.org", "N1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->account, "alice@example.org");
  EXPECT_EQ((*found)->secret, "secret-of-N1");
  EXPECT_TRUE((*found)->enabled);
  // The same node seen from another server is not the same registration.
  EXPECT_FALSE(*store->find_registration("evil.example", "N1"));
}

TEST(SqliteStore, ReRegisteringADeviceUpdatesTheTokenAndKeepsNodeAndSecret) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  ASSERT_TRUE(store->upsert_registration(device("N1")));
  Registration again = device("N2");
  again.token = "token-2";
  auto stored = store->upsert_registration(again);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->node, "N1");
  EXPECT_EQ(stored->secret, "secret-of-N1");
  EXPECT_EQ(stored->token, "token-2");
  EXPECT_EQ((*store->find_registration("example.org", "N1"))->token, "token-2");
  EXPECT_FALSE(*store->find_registration("example.org", "N2"));
  EXPECT_EQ(*store->count_registrations(), 1);
}

TEST(SqliteStore, SameNodeForAnotherAccountIsAConflict) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  ASSERT_TRUE(store->upsert_registration(device("shared-node", "d1", "alice@example.org")));
  auto clash = store->upsert_registration(device("shared-node", "d1", "mallory@example.org"));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind, StoreErrorKind::kConflict);
}

TEST(SqliteStore, DeadTokenDisablesUnlessTheDeviceRegisteredAgainSince) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  const auto registered = store->upsert_registration(device("N1"))->updated_ms;
  EXPECT_FALSE(*store->disable_registration("example.org", "N1", "Unregistered", registered - 1));
  EXPECT_TRUE((*store->find_registration("example.org", "N1"))->enabled);
  EXPECT_TRUE(*store->disable_registration("example.org", "N1", "Unregistered", registered));
  const auto found = *store->find_registration("example.org", "N1");
  EXPECT_FALSE(found->enabled);
  EXPECT_EQ(found->disabled_reason, "Unregistered");
  // Registering again brings it back.
  EXPECT_TRUE(store->upsert_registration(device("N1"))->enabled);
  EXPECT_TRUE((*store->find_registration("example.org", "N1"))->enabled);
}

TEST(SqliteStore, AnAccountsEnabledDevices) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  ASSERT_TRUE(store->upsert_registration(device("N1", "phone")));
  ASSERT_TRUE(store->upsert_registration(device("N2", "tablet")));
  ASSERT_TRUE(store->upsert_registration(device("N3", "phone", "bob@example.org")));
  ASSERT_TRUE(store->disable_registration("example.org", "N2", "410", 0));
  auto alices = store->registrations_of("alice@example.org");
  ASSERT_TRUE(alices);
  ASSERT_EQ(alices->size(), 1u);
  EXPECT_EQ(alices->at(0).node, "N1");
  EXPECT_TRUE(store->registrations_of("carol@example.org")->empty());
}

TEST(SqliteStore, RemoveDevice) {
  testing::TempDir dir;
  auto store = open_store(dir.file("x.db"));
  ASSERT_TRUE(store->upsert_registration(device("N1")));
  EXPECT_TRUE(*store->remove_registration("alice@example.org", "phone-1", ""));
  EXPECT_FALSE(*store->remove_registration("alice@example.org", "phone-1", ""));
  EXPECT_FALSE(*store->find_registration("example.org", "N1"));
}

TEST(SqliteStore, RegistrationsSurviveReopening) {
  testing::TempDir dir;
  ASSERT_TRUE(open_store(dir.file("x.db"))->upsert_registration(device("N1")));
  auto reopened = open_store(dir.file("x.db"));
  auto found = reopened->find_registration("example.org", "N1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->secret, "secret-of-N1");
}

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

}  // namespace
}  // namespace xpush::store
