// Offline messages on every backend: per-user listing, counting and
// erasure, unread counts, retention and legal holds.
#include <gtest/gtest.h>

#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

using test_util::message;
using Messages = test_util::StoreTest;

TEST_P(Messages, ListedNewestFirstInPagesCountedAndErasedPerUser) {
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

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kMonday = 20'000 * kDay;  // a day boundary, in UTC

// Steps until the store says nothing is left; the total purged.
std::int64_t purge_all(Store& store, std::int64_t cutoff_ms) {
  std::int64_t total = 0;
  for (int step = 0; step < 100; ++step) {
    const auto s = store.purge_messages(cutoff_ms, 10);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    if (!s) break;
    total += s->purged;
    if (!s->more) break;
  }
  return total;
}

TEST_P(Messages, RetentionPurgesWhatIsPastTheCutoffAndSparesLegalHolds) {
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + i * 1000)));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->store_message(message("held@example.org", kMonday + i)));
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + 5 * kDay)));  // newer than the cutoff
  ASSERT_TRUE(store->hold_messages("held@example.org", "case 2026-17"));

  EXPECT_EQ(purge_all(*store, kMonday + kDay), 25);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(*store->count_messages("held@example.org"), 5);
  // What the hold kept is still listed, in order.
  auto held = store->messages_of("held@example.org", 10, 0);
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 5u);
  EXPECT_EQ(held->front().received_ms, kMonday + 4);

  EXPECT_TRUE(*store->release_messages("held@example.org"));
  EXPECT_FALSE(*store->release_messages("held@example.org"));
  EXPECT_EQ(purge_all(*store, kMonday + kDay), 5);
  EXPECT_EQ(*store->count_messages("held@example.org"), 0);
  // Erasure on request is not stopped by a hold: that is the operator's call.
  ASSERT_TRUE(store->hold_messages("alice@example.org", "case"));
  EXPECT_EQ(*store->erase_messages("alice@example.org"), 1);
}

TEST_P(Messages, NothingToPurgeSaysSo) {
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday)));
  const auto step = store->purge_messages(kMonday, 10);
  ASSERT_TRUE(step);
  EXPECT_EQ(step->purged, 0);
  EXPECT_FALSE(step->more);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
}

TEST_P(Messages, UnreadCountsSinceTheUserWasLastBack) {
  EXPECT_EQ(*store->unread_count("alice@example.org"), 0);
  EXPECT_EQ(*store->mark_read("alice@example.org"), 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + i)));
  ASSERT_TRUE(store->store_message(message("carol@example.org", kMonday)));
  EXPECT_EQ(*store->unread_count("alice@example.org"), 3);
  EXPECT_EQ(*store->mark_read("alice@example.org"), 3);
  EXPECT_EQ(*store->unread_count("alice@example.org"), 0);
  EXPECT_EQ(*store->unread_count("carol@example.org"), 1);  // nobody else's
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + 10)));
  EXPECT_EQ(*store->unread_count("alice@example.org"), 1);
  // Kept and counted in one call, as a publish's summary is.
  const auto counted = store->store_message_counting_unread(message("alice@example.org", kMonday + 11));
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(*counted, 2);
  EXPECT_EQ(*store->store_message_counting_unread(message("dave@example.org", kMonday)), 1);
  EXPECT_EQ(*store->unread_count("carol@example.org"), 1);
  // Read marks do not delete: the record is kept for its retention.
  EXPECT_EQ(*store->count_messages("alice@example.org"), 5);
}

TEST_P(Messages, SignalsAreKeptButNotCountedUnread) {
  auto receipt = message("alice@example.org", kMonday);
  receipt.counts_unread = false;
  ASSERT_TRUE(store->store_message(message("alice@example.org", kMonday + 1)));
  const auto counted = store->store_message_counting_unread(receipt);
  ASSERT_TRUE(counted) << counted.error().message;
  EXPECT_EQ(*counted, 1);
  EXPECT_EQ(*store->store_message_counting_unread(receipt), 1);
  ASSERT_TRUE(store->store_messages({receipt, message("alice@example.org", kMonday + 2), receipt}));
  EXPECT_EQ(*store->unread_count("alice@example.org"), 2);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 6);  // kept all the same
  // An account whose first message is a receipt has nothing unread.
  auto other = message("carol@example.org", kMonday);
  other.counts_unread = false;
  EXPECT_EQ(*store->store_message_counting_unread(other), 0);
}

TEST_P(Messages, AChatReadElsewhereNoLongerCounts) {
  auto from = [](const std::string& sender, std::int64_t at) {
    auto m = message("alice@example.org", at);
    m.sender = sender;
    return m;
  };
  ASSERT_TRUE(store->store_messages({from("bob@example.org", kMonday), from("room@muc.example.org", kMonday + 1),
                                     from("bob@example.org", kMonday + 2), from("", kMonday + 3)}));
  ASSERT_TRUE(store->store_message(from("room@muc.example.org", kMonday + 4)));
  EXPECT_EQ(*store->unread_count("alice@example.org"), 5);
  const auto read = store->mark_chat_read("alice@example.org", "bob@example.org");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, std::optional<std::int64_t>{3});
  // Read already: nothing to clear.
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "bob@example.org"), std::nullopt);
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "carol@example.org"), std::nullopt);
  EXPECT_EQ(*store->mark_chat_read("dave@example.org", "bob@example.org"), std::nullopt);

  // Back on a laptop: the count starts again, but the room's notifications
  // are still on the phone until the room is read.
  EXPECT_EQ(*store->mark_read("alice@example.org"), 3);
  ASSERT_TRUE(store->store_message(from("bob@example.org", kMonday + 5)));
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "room@muc.example.org"), std::optional<std::int64_t>{1});
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "bob@example.org"), std::optional<std::int64_t>{0});

  // A receipt opens no chat; erasing the user's data forgets them all.
  auto receipt = from("erin@example.org", kMonday + 6);
  receipt.counts_unread = false;
  ASSERT_TRUE(store->store_message(receipt));
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "erin@example.org"), std::nullopt);
  ASSERT_TRUE(store->store_message(from("frank@example.org", kMonday + 7)));
  ASSERT_TRUE(store->erase_messages("alice@example.org"));
  EXPECT_EQ(*store->mark_chat_read("alice@example.org", "frank@example.org"), std::nullopt);
}

TEST_P(Messages, ABatchIsStoredWhole) {
  std::vector<OfflineMessage> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(message("user" + std::to_string(i % 5) + "@example.org", kMonday + i * 60'000));
  batch.push_back(message("alice@example.org", kMonday + 3 * kDay));  // another day
  ASSERT_TRUE(store->store_messages(batch));
  EXPECT_EQ(*store->count_messages("user3@example.org"), 10);
  EXPECT_EQ(*store->count_messages("alice@example.org"), 1);
  EXPECT_EQ(store->messages_of("user3@example.org", 1, 0)->at(0).received_ms, kMonday + 48 * 60'000);
}

TEST_P(Messages, KeptContentComesBackByteForByte) {
  auto m = message("alice@example.org", kMonday, "caf\xC3\xA9 \xF0\x9F\x98\x80 &amp; <b>");
  m.source = "summary";
  ASSERT_TRUE(store->store_message(m));
  store.reset();
  auto listed = reopen()->messages_of("alice@example.org", 5, 0);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->at(0).content, m.content);
  EXPECT_EQ(listed->at(0).sender, "bob@example.org");
  EXPECT_EQ(listed->at(0).message_id, m.message_id);
  EXPECT_EQ(listed->at(0).source, "summary");
}

XPUSH_STORE_SUITE(Messages);

}  // namespace
}  // namespace xpush::store
