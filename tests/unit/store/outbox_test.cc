// The outbox on every backend: leases keep a claimed entry to one instance
// until they run out, and concurrent claimers never get the same entry.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

using Outbox = test_util::StoreTest;

OutboxEntry entry(const std::string& id, std::int64_t due_ms = 1000) {
  OutboxEntry e;
  e.id = id;
  e.domain = "example.org";
  e.node = "N1";
  e.payload = R"({"id":")" + id + R"("})";
  e.created_ms = due_ms;
  e.expires_ms = due_ms + 86'400'000;
  e.next_attempt_ms = due_ms;
  return e;
}

std::vector<std::string> ids(const StoreResult<std::vector<OutboxEntry>>& entries) {
  EXPECT_TRUE(entries) << (entries ? "" : entries.error().message);
  std::vector<std::string> out;
  if (entries) {
    for (const auto& e : *entries) out.push_back(e.id);
  }
  return out;
}

TEST_P(Outbox, AClaimIsExclusiveUntilItsLeaseRunsOut) {
  ASSERT_TRUE(store->enqueue(entry("a", 1000)));
  ASSERT_TRUE(store->enqueue(entry("b", 2000)));
  ASSERT_TRUE(store->enqueue(entry("later", 9000)));
  EXPECT_EQ(ids(store->claim_due(5000, 10, {"one", 65'000})), (std::vector<std::string>{"a", "b"}));
  auto other = reopen();
  EXPECT_TRUE(ids(other->claim_due(6000, 10, {"two", 66'000})).empty());
  // "one" died: once its lease has run out, the others take its entries.
  const auto taken = other->claim_due(65'000, 10, {"two", 125'000});
  EXPECT_EQ(ids(taken), (std::vector<std::string>{"a", "b", "later"}));
  EXPECT_EQ(taken->front().lease_owner, "two");
  EXPECT_EQ(taken->front().payload, R"({"id":"a"})");
}

TEST_P(Outbox, AnEntryQueuedWithALeaseIsItsSendersAlone) {
  auto mine = entry("accepted", 1000);
  mine.lease_owner = "one";
  mine.lease_until_ms = 61'000;
  ASSERT_TRUE(store->enqueue(mine));
  EXPECT_TRUE(ids(reopen()->claim_due(2000, 10, {"two", 62'000})).empty());
  EXPECT_EQ(ids(reopen()->claim_due(61'000, 10, {"two", 121'000})), std::vector<std::string>{"accepted"});
}

TEST_P(Outbox, AnInstanceTakesBackOnlyItsOwnLeases) {
  ASSERT_TRUE(store->enqueue(entry("a", 1000)));
  ASSERT_TRUE(store->enqueue(entry("b", 1000)));
  ASSERT_TRUE(store->enqueue(entry("c", 1000)));
  ASSERT_EQ(ids(store->claim_due(1000, 2, {"one", 61'000})).size(), 2u);  // a and b
  ASSERT_EQ(ids(store->claim_due(1000, 1, {"two", 61'000})), std::vector<std::string>{"c"});
  ASSERT_TRUE(store->bury_entry("b", 3, "400 BadDeviceToken"));  // a dead letter stays one
  const auto released = reopen()->release_leases("one");
  ASSERT_TRUE(released) << released.error().message;
  EXPECT_EQ(*released, 1);
  // "one" restarted: its entry is due again at once; "two"'s is still leased.
  EXPECT_EQ(ids(store->claim_due(2000, 10, {"one", 62'000})), std::vector<std::string>{"a"});
  EXPECT_EQ(*store->release_leases("nobody"), 0);
}

TEST_P(Outbox, RescheduledEntriesAreAnyonesOnceDueAndBuriedOnesNobodys) {
  ASSERT_TRUE(store->enqueue(entry("retry", 1000)));
  ASSERT_TRUE(store->enqueue(entry("dead", 1000)));
  ASSERT_EQ(ids(store->claim_due(1000, 10, {"one", 61'000})).size(), 2u);
  ASSERT_TRUE(store->reschedule_entry("retry", 1, 5000, "429 TooManyRequests"));
  ASSERT_TRUE(store->bury_entry("dead", 3, "400 BadDeviceToken"));
  EXPECT_TRUE(ids(store->claim_due(4999, 10, {"two", 64'999})).empty());
  const auto again = store->claim_due(5000, 10, {"two", 65'000});
  ASSERT_EQ(ids(again), std::vector<std::string>{"retry"});
  EXPECT_EQ(again->front().attempts, 1);
  EXPECT_EQ(again->front().last_reason, "429 TooManyRequests");
  const auto dead = store->dead_letters(10);
  ASSERT_EQ(ids(dead), std::vector<std::string>{"dead"});
  EXPECT_EQ(dead->front().state, OutboxState::kDead);
  EXPECT_EQ(dead->front().attempts, 3);
  EXPECT_EQ(store->outbox_counts()->pending, 1);
  EXPECT_EQ(store->outbox_counts()->dead, 1);
  ASSERT_TRUE(store->remove_entry("retry"));
  EXPECT_EQ(store->outbox_counts()->pending, 0);
  EXPECT_EQ(store->outbox_counts()->oldest_pending_created_ms, 0);  // the dead one does not count
}

TEST_P(Outbox, CountsNameTheOldestPendingEntry) {
  ASSERT_TRUE(store->enqueue(entry("new", 9000)));
  ASSERT_TRUE(store->enqueue(entry("old", 3000)));
  ASSERT_TRUE(store->enqueue(entry("older-but-dead", 1000)));
  ASSERT_TRUE(store->bury_entry("older-but-dead", 3, "PayloadTooLarge"));
  const auto counts = store->outbox_counts();
  ASSERT_TRUE(counts) << counts.error().message;
  EXPECT_EQ(counts->pending, 2);
  EXPECT_EQ(counts->dead, 1);
  EXPECT_EQ(counts->oldest_pending_created_ms, 3000);
}

TEST_P(Outbox, QueueingAPendingIdAgainReplacesItsPayloadAndDueTime) {
  ASSERT_TRUE(store->enqueue(entry("digest", 9000)));
  auto grown = entry("digest", 7000);
  grown.payload = R"({"count":2})";
  ASSERT_TRUE(store->enqueue(grown));
  const auto due = store->claim_due(7000, 10, {"one", 67'000});
  ASSERT_EQ(ids(due), std::vector<std::string>{"digest"});
  EXPECT_EQ(due->front().payload, R"({"count":2})");
  EXPECT_EQ(store->outbox_counts()->pending, 1);
}

TEST_P(Outbox, AnEntryBeingSentIsNotChangedUnderItsSender) {
  auto digest = entry("digest", 7000);
  digest.payload = R"({"count":9})";
  ASSERT_TRUE(store->enqueue(digest));
  EXPECT_FALSE(*store->entry_claimed("digest"));
  ASSERT_EQ(ids(store->claim_due(7000, 10, {"one", 67'000})), std::vector<std::string>{"digest"});
  EXPECT_TRUE(*store->entry_claimed("digest"));
  EXPECT_FALSE(*store->entry_claimed("no-such-entry"));

  digest.payload = R"({"count":11})";
  ASSERT_TRUE(store->enqueue(digest));  // too late: the row stays as claimed
  ASSERT_TRUE(store->reschedule_entry("digest", 1, 8000, "ServiceUnavailable"));
  const auto again = store->claim_due(8000, 10, {"one", 68'000});
  ASSERT_EQ(ids(again), std::vector<std::string>{"digest"});
  EXPECT_EQ(again->front().payload, R"({"count":9})");
}

TEST_P(Outbox, ConcurrentClaimersNeverShareAnEntry) {
  constexpr int kEntries = 400;
  for (int i = 0; i < kEntries; ++i) ASSERT_TRUE(store->enqueue(entry("n" + std::to_string(i), 1000 + i)));
  std::vector<std::string> claimed[3];
  std::vector<std::thread> claimers;
  for (int c = 0; c < 3; ++c) {
    claimers.emplace_back([&, c] {
      auto mine = reopen();
      for (int round = 0; round < 200; ++round) {
        auto got = mine->claim_due(10'000, 7, {"instance-" + std::to_string(c), 70'000});
        if (got && got->empty()) break;
        if (got) {
          for (const auto& e : *got) claimed[c].push_back(e.id);
        }
      }
    });
  }
  for (auto& t : claimers) t.join();
  std::set<std::string> all;
  std::size_t total = 0;
  for (const auto& list : claimed) {
    all.insert(list.begin(), list.end());
    total += list.size();
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kEntries));  // nobody got one twice
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kEntries));
}

XPUSH_STORE_SUITE(Outbox);

}  // namespace
}  // namespace xpush::store
