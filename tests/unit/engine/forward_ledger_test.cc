#include "engine/forward_ledger.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

using std::chrono::seconds;
const ForwardLedger::TimePoint t0{std::chrono::hours{1000}};

TEST(ForwardLedger, AMessageKeySeenTwiceWithinTheWindowIsARepeat) {
  auto w = store::memory_shared_windows();
  ForwardLedger ledger{"test", seconds{30}, seconds{10}};
  EXPECT_TRUE(ledger.first_sighting(*w, "k1", t0));
  EXPECT_FALSE(ledger.first_sighting(*w, "k1", t0 + seconds{5}));
  EXPECT_TRUE(ledger.first_sighting(*w, "k2", t0 + seconds{5}));
  EXPECT_TRUE(ledger.first_sighting(*w, "k1", t0 + seconds{31}));  // past the window: a new message
  EXPECT_TRUE(ledger.first_sighting(*w, "", t0));  // no key: never taken for a repeat
  EXPECT_TRUE(ledger.first_sighting(*w, "", t0));
}

TEST(ForwardLedger, TwoLedgersOnOneStoreKeepApart) {
  auto w = store::memory_shared_windows();
  ForwardLedger messages{"messages", seconds{30}, seconds{10}};
  ForwardLedger summaries{"summaries", seconds{30}, seconds{10}};
  EXPECT_TRUE(messages.first_sighting(*w, "k", t0));
  EXPECT_TRUE(summaries.first_sighting(*w, "k", t0));
  EXPECT_FALSE(messages.pair_forwarded(*w, "d1", t0));
  EXPECT_FALSE(summaries.pair_publish(*w, "d1", t0));
  EXPECT_TRUE(messages.pair_publish(*w, "d1", t0));
}

TEST(ForwardLedger, EachDecisionCoversOneEventOfTheOtherPathForTheSameDevice) {
  auto w = store::memory_shared_windows();
  ForwardLedger ledger{"test", seconds{600}, seconds{30}};
  // Prosody: forwarded first, then the publish.
  EXPECT_FALSE(ledger.pair_forwarded(*w, "d1", t0));
  EXPECT_FALSE(ledger.pair_forwarded(*w, "d1", t0));
  EXPECT_FALSE(ledger.pair_publish(*w, "d2", t0));  // another device: entered for d2
  EXPECT_TRUE(ledger.pair_publish(*w, "d1", t0 + seconds{1}));
  EXPECT_TRUE(ledger.pair_publish(*w, "d1", t0 + seconds{1}));
  EXPECT_FALSE(ledger.pair_publish(*w, "d1", t0 + seconds{1}));  // both taken: this one is entered
  // ejabberd with MAM: the publish first (just entered), then the forwarded message.
  EXPECT_TRUE(ledger.pair_forwarded(*w, "d1", t0 + seconds{2}));
  EXPECT_FALSE(ledger.pair_forwarded(*w, "d1", t0 + seconds{2}));
  // Too old to pair: the forwarded decision just entered ended at t0+32.
  EXPECT_FALSE(ledger.pair_publish(*w, "d1", t0 + seconds{32}));
}

}  // namespace
}  // namespace xpush
