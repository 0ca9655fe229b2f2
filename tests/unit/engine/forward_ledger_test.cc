#include "engine/forward_ledger.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

using std::chrono::seconds;
const ForwardLedger::TimePoint t0{std::chrono::hours{1000}};

TEST(ForwardLedger, AMessageKeySeenTwiceWithinTheWindowIsARepeat) {
  ForwardLedger ledger{seconds{30}, seconds{10}};
  EXPECT_TRUE(ledger.first_sighting("k1", t0));
  EXPECT_FALSE(ledger.first_sighting("k1", t0 + seconds{5}));
  EXPECT_TRUE(ledger.first_sighting("k2", t0 + seconds{5}));
  EXPECT_TRUE(ledger.first_sighting("k1", t0 + seconds{31}));  // past the window: a new message
  EXPECT_TRUE(ledger.first_sighting("", t0));                  // no key: never taken for a repeat
  EXPECT_TRUE(ledger.first_sighting("", t0));
}

TEST(ForwardLedger, EachDecisionCoversOneEventOfTheOtherPathForTheSameDevice) {
  ForwardLedger ledger{seconds{600}, seconds{30}};
  // Prosody: forwarded first, then the publish.
  ledger.forwarded("d1", t0);
  ledger.forwarded("d1", t0);
  EXPECT_FALSE(ledger.covers_publish("d2", t0));  // another device
  EXPECT_TRUE(ledger.covers_publish("d1", t0 + seconds{1}));
  EXPECT_TRUE(ledger.covers_publish("d1", t0 + seconds{1}));
  EXPECT_FALSE(ledger.covers_publish("d1", t0 + seconds{1}));  // both taken
  // ejabberd with MAM: the publish first, then the forwarded message.
  ledger.published("d1", t0);
  EXPECT_TRUE(ledger.covers_forwarded("d1", t0 + seconds{1}));
  EXPECT_FALSE(ledger.covers_forwarded("d1", t0 + seconds{1}));
  // Too old to pair.
  ledger.forwarded("d1", t0);
  EXPECT_FALSE(ledger.covers_publish("d1", t0 + seconds{30}));
}

}  // namespace
}  // namespace xpush
