// Bodies sealed at rest, on every backend: what the database holds is
// ciphertext bound to its row; what the store hands back is the original.
#include <gtest/gtest.h>

#include "store/sealed_store.h"
#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

SealingKey key(char fill) {
  auto k = sealing_key_from_base64(std::string(43, fill) + "=");
  EXPECT_TRUE(k) << (k ? "" : k.error());
  return *k;
}

TEST(Sealer, OpensWhatItSealedForTheSameRowOnly) {
  const Sealer sealer{{key('A')}};
  const auto sealed = sealer.seal("<message><body>secret plans</body></message>", "alice@example.org");
  EXPECT_TRUE(Sealer::is_sealed(sealed));
  EXPECT_EQ(sealed.find("secret"), std::string::npos);
  EXPECT_NE(sealed, sealer.seal("<message><body>secret plans</body></message>", "alice@example.org"));  // fresh nonce
  EXPECT_EQ(*sealer.open(sealed, "alice@example.org"), "<message><body>secret plans</body></message>");
  const auto moved = sealer.open(sealed, "mallory@example.org");
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().find("moved from another row"), std::string::npos);
  EXPECT_EQ(*sealer.open("", "alice@example.org"), "");
  EXPECT_EQ(*sealer.open(sealer.seal("", "a"), "a"), "");
}

TEST(Sealer, RotatedKeysStillOpenWhatTheySealed) {
  const auto old_key = key('B');
  const auto sealed_before = Sealer{{old_key}}.seal("old", "a");
  const Sealer rotated{{key('C'), old_key}};
  EXPECT_EQ(*rotated.open(sealed_before, "a"), "old");
  const auto sealed_now = rotated.seal("new", "a");
  EXPECT_NE(sealed_now.find(key('C').id), std::string::npos);
  const auto without = Sealer{{old_key}}.open(sealed_now, "a");
  ASSERT_FALSE(without);
  EXPECT_EQ(without.error(), "sealed with key " + key('C').id + ", which is not configured");
}

TEST(Sealer, TextWrittenBeforeSealingWasOnComesBackAsItIs) {
  EXPECT_EQ(*Sealer{{key('A')}}.open("<message/>", "a"), "<message/>");
}

TEST(Sealer, KeysAre32BytesOfBase64) {
  EXPECT_FALSE(sealing_key_from_base64("c2hvcnQ="));
  EXPECT_FALSE(sealing_key_from_base64("not base64 at all!!"));
  EXPECT_TRUE(sealing_key_from_base64(std::string(43, 'Q') + "=\n"));
}

using Sealed = test_util::StoreTest;

std::unique_ptr<Store> sealed_over(std::unique_ptr<Store> inner, std::vector<SealingKey> keys) {
  return std::make_unique<SealedStore>(std::move(inner), Sealer{std::move(keys)});
}

TEST_P(Sealed, TheDatabaseHoldsCiphertextAndTheStoreHandsBackTheOriginal) {
  auto sealed = sealed_over(std::move(store), {key('A')});
  OfflineMessage m;
  m.account = "alice@example.org";
  m.domain = "example.org";
  m.source = "stanza";
  m.content = "<message><body>meet at noon</body></message>";
  m.received_ms = 86'400'000LL * 20'000;
  ASSERT_TRUE(sealed->store_message(m));
  OutboxEntry e;
  e.id = "n1";
  e.domain = "example.org";
  e.node = "N1";
  e.payload = R"({"body":"meet at noon"})";
  e.expires_ms = 10'000;
  ASSERT_TRUE(sealed->enqueue(e));

  auto listed = sealed->messages_of("alice@example.org", 5, 0);
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->at(0).content, m.content);
  EXPECT_EQ(sealed->claim_due(0, 5, {"one", 60'000})->at(0).payload, e.payload);

  // Underneath, without the key: nothing readable.
  auto raw = reopen();
  EXPECT_EQ(raw->messages_of("alice@example.org", 5, 0)->at(0).content.find("noon"), std::string::npos);
  EXPECT_TRUE(Sealer::is_sealed(raw->claim_due(60'000, 5, {"two", 120'000})->at(0).payload));

  // With another key only: the message says which key it needs; the queued
  // notification comes back empty, for the dispatcher to keep as a dead letter.
  auto wrong = sealed_over(reopen(), {key('Z')});
  const auto refused = wrong->messages_of("alice@example.org", 5, 0);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("sealed with key " + key('A').id), std::string::npos);
  EXPECT_EQ(wrong->claim_due(120'000, 5, {"three", 180'000})->at(0).payload, "");
}

TEST_P(Sealed, DeviceTokensAreSealedAndTheOnesStoredBeforeStillWork) {
  Registration before;
  before.node = "OLD";
  before.secret_hash = node_secret_hash("s0");
  before.account = "bob@example.org";
  before.domain = "example.org";
  before.device_id = "d0";
  before.platform = "apns";
  before.token = "00aa11bb";
  ASSERT_TRUE(store->upsert_registration(before));  // written before sealing was on

  auto sealed = sealed_over(std::move(store), {key('A')});
  Registration r = before;
  r.node = "N1";
  r.account = "alice@example.org";
  r.device_id = "d1";
  r.token = "fcm-token-of-alice";
  const auto stored = sealed->upsert_registration(r);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->token, r.token);
  EXPECT_EQ((*sealed->find_registration("example.org", "N1"))->token, r.token);
  EXPECT_EQ(sealed->registrations_of("alice@example.org")->at(0).token, r.token);
  EXPECT_EQ((*sealed->find_registration("example.org", "OLD"))->token, "00aa11bb");

  auto raw = reopen();
  const auto underneath = (*raw->find_registration("example.org", "N1"))->token;
  EXPECT_TRUE(Sealer::is_sealed(underneath));
  EXPECT_EQ(underneath.find("alice"), std::string::npos);

  // A key missing from the configuration is an error that names it, not a
  // device without a token.
  auto wrong = sealed_over(reopen(), {key('Z')});
  const auto refused = wrong->find_registration("example.org", "N1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("sealed with key " + key('A').id), std::string::npos);
}

XPUSH_STORE_SUITE(Sealed);

}  // namespace
}  // namespace xpush::store
