// Devices and their registrations, on every backend.
#include <gtest/gtest.h>

#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

Registration device(std::string node, std::string device_id = "phone-1",
                    std::string account = "alice@example.org") {
  Registration r;
  r.node = std::move(node);
  r.secret_hash = node_secret_hash("secret-of-" + r.node);
  r.account = std::move(account);
  r.domain = "example.org";
  r.device_id = std::move(device_id);
  r.platform = "fcm";
  r.token = "token-1";
  return r;
}

using Registrations = test_util::StoreTest;

TEST_P(Registrations, RegisterThenFindByServerAndNode) {
  auto stored = store->upsert_registration(device("N1"));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->node, "N1");
  auto found = store->find_registration("example.org", "N1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->account, "alice@example.org");
  EXPECT_EQ((*found)->secret_hash, node_secret_hash("secret-of-N1"));
  EXPECT_TRUE((*found)->enabled);
  // The same node seen from another server is not the same registration.
  EXPECT_FALSE(*store->find_registration("evil.example", "N1"));
}

TEST_P(Registrations, ReRegisteringADeviceKeepsTheNodeAndTheSecretBeforeTheNewOne) {
  ASSERT_TRUE(store->upsert_registration(device("N1")));
  Registration again = device("N2");
  again.token = "token-2";
  auto stored = store->upsert_registration(again);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->node, "N1");
  EXPECT_EQ(stored->secret_hash, node_secret_hash("secret-of-N2"));
  EXPECT_EQ(stored->previous_secret_hash, node_secret_hash("secret-of-N1"));
  EXPECT_EQ(stored->token, "token-2");
  const auto found = *store->find_registration("example.org", "N1");
  EXPECT_EQ(found->secret_hash, stored->secret_hash);
  EXPECT_EQ(found->previous_secret_hash, stored->previous_secret_hash);
  EXPECT_EQ((*store->find_registration("example.org", "N1"))->token, "token-2");
  EXPECT_FALSE(*store->find_registration("example.org", "N2"));
  EXPECT_EQ(*store->count_registrations(), 1);
  // A third registration forgets the first secret.
  ASSERT_TRUE(store->upsert_registration(device("N3")));
  EXPECT_EQ((*store->find_registration("example.org", "N1"))->previous_secret_hash,
            node_secret_hash("secret-of-N2"));
}

TEST_P(Registrations, SameNodeForAnotherAccountIsAConflict) {
  ASSERT_TRUE(store->upsert_registration(device("shared-node", "d1", "alice@example.org")));
  auto clash = store->upsert_registration(device("shared-node", "d1", "mallory@example.org"));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind, StoreErrorKind::kConflict);
}

// Group commit: one store call failing inside a batch undoes only itself.
TEST_P(Registrations, AConflictInsideABatchFailsAloneAndTheBatchCommits) {
  ASSERT_TRUE(store->upsert_registration(device("shared-node", "d1", "alice@example.org")));
  ASSERT_TRUE(store->begin_batch());
  ASSERT_TRUE(store->upsert_registration(device("N2", "d2", "bob@example.org")));
  auto clash = store->upsert_registration(device("shared-node", "d1", "mallory@example.org"));
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().kind, StoreErrorKind::kConflict);
  ASSERT_TRUE(store->upsert_registration(device("N3", "d3", "carol@example.org")));
  ASSERT_TRUE(store->end_batch());
  EXPECT_TRUE(*store->find_registration("example.org", "N2"));
  EXPECT_TRUE(*store->find_registration("example.org", "N3"));
  EXPECT_EQ(*store->count_registrations(), 3);
}

TEST_P(Registrations, DeadTokenDisablesUnlessTheDeviceRegisteredAgainSince) {
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

TEST_P(Registrations, AnAccountsEnabledDevices) {
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

TEST_P(Registrations, OperatorsSeeEveryDeviceAndTurnOneBackOn) {
  ASSERT_TRUE(store->upsert_registration(device("N1", "phone")));
  ASSERT_TRUE(store->upsert_registration(device("N2", "tablet")));
  ASSERT_TRUE(store->disable_registration("example.org", "N2", "disabled by operator", 0));
  auto all = store->devices_of("alice@example.org");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_TRUE(all->at(0).enabled);
  EXPECT_FALSE(all->at(1).enabled);
  EXPECT_EQ(all->at(1).disabled_reason, "disabled by operator");
  auto with_node = store->registrations_with_node("N2");
  ASSERT_TRUE(with_node);
  ASSERT_EQ(with_node->size(), 1u);
  EXPECT_EQ(with_node->at(0).token, "token-1");
  EXPECT_TRUE(store->registrations_with_node("N9")->empty());
  EXPECT_TRUE(*store->enable_registration("example.org", "N2"));
  EXPECT_FALSE(*store->enable_registration("example.org", "N2")) << "already enabled";
  const auto back = *store->find_registration("example.org", "N2");
  EXPECT_TRUE(back->enabled);
  EXPECT_EQ(back->disabled_reason, "");
  EXPECT_EQ(store->registrations_of("alice@example.org")->size(), 2u);
}

TEST_P(Registrations, RemoveDevice) {
  ASSERT_TRUE(store->upsert_registration(device("N1")));
  EXPECT_TRUE(*store->remove_registration("alice@example.org", "phone-1", ""));
  EXPECT_FALSE(*store->remove_registration("alice@example.org", "phone-1", ""));
  EXPECT_FALSE(*store->find_registration("example.org", "N1"));
}

TEST_P(Registrations, RegistrationsSurviveReopening) {
  ASSERT_TRUE(store->upsert_registration(device("N1")));
  store.reset();
  auto reopened = reopen();
  auto found = reopened->find_registration("example.org", "N1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->secret_hash, node_secret_hash("secret-of-N1"));
}

XPUSH_STORE_SUITE(Registrations);

}  // namespace
}  // namespace xpush::store
