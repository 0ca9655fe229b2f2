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
  messages.forwarded(*w, "d1", t0);
  EXPECT_FALSE(summaries.covers_publish(*w, "d1", t0));
  EXPECT_TRUE(messages.covers_publish(*w, "d1", t0));
}

TEST(ForwardLedger, EachDecisionCoversOneEventOfTheOtherPathForTheSameDevice) {
  auto w = store::memory_shared_windows();
  ForwardLedger ledger{"test", seconds{600}, seconds{30}};
  // Prosody: forwarded first, then the publish.
  ledger.forwarded(*w, "d1", t0);
  ledger.forwarded(*w, "d1", t0);
  EXPECT_FALSE(ledger.covers_publish(*w, "d2", t0));  // another device
  EXPECT_TRUE(ledger.covers_publish(*w, "d1", t0 + seconds{1}));
  EXPECT_TRUE(ledger.covers_publish(*w, "d1", t0 + seconds{1}));
  EXPECT_FALSE(ledger.covers_publish(*w, "d1", t0 + seconds{1}));  // both taken
  // ejabberd with MAM: the publish first, then the forwarded message.
  ledger.published(*w, "d1", t0);
  EXPECT_TRUE(ledger.covers_forwarded(*w, "d1", t0 + seconds{1}));
  EXPECT_FALSE(ledger.covers_forwarded(*w, "d1", t0 + seconds{1}));
  // Too old to pair.
  ledger.forwarded(*w, "d1", t0);
  EXPECT_FALSE(ledger.covers_publish(*w, "d1", t0 + seconds{30}));
}

}  // namespace
}  // namespace xpush
