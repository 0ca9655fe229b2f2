// The shared windows: the same answers from both backends, and on
// PostgreSQL one truth for every instance on the database.
#include "store/shared_windows.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/unit/store/open_store.h"

namespace xpush::store {
namespace {

using test_util::Backend;
using test_util::StoreTest;

constexpr std::int64_t t0 = 1'800'000'000'000;

class SharedWindowsTest : public StoreTest {
 protected:
  SharedWindows& windows = store->shared_windows();
};

TEST_P(SharedWindowsTest, AKeyIsFirstOnceUntilItsMarkEnds) {
  EXPECT_TRUE(*windows.mark_first("k", t0, t0 + 1000));
  EXPECT_FALSE(*windows.mark_first("k", t0 + 999, t0 + 1999));  // a repeat does not extend the mark
  EXPECT_TRUE(*windows.mark_first("other", t0 + 1, t0 + 1001));
  EXPECT_TRUE(*windows.mark_first("k", t0 + 1000, t0 + 2000));
  EXPECT_FALSE(*windows.mark_first("k", t0 + 1500, t0 + 2500));
}

TEST_P(SharedWindowsTest, TalliesAreTakenOnceAndOnlyWhileTheyCount) {
  auto pair = [&](const std::string& take, const std::string& add, std::int64_t now,
                  std::int64_t until) {
    auto taken = windows.take_or_add_tally(take, add, now, until);
    EXPECT_TRUE(taken) << taken.error().message;
    return taken && *taken;
  };
  EXPECT_FALSE(pair("b", "a", t0, t0 + 100));  // nothing under b: one added under a
  EXPECT_FALSE(pair("b", "a", t0, t0 + 200));
  EXPECT_FALSE(pair("c", "x", t0, t0 + 1000));     // another name
  EXPECT_TRUE(pair("a", "b", t0 + 50, t0 + 150));  // the oldest under a taken, nothing added
  EXPECT_FALSE(
      pair("a", "b", t0 + 200, t0 + 300));  // the second ended at t0 + 200: one added under b
  EXPECT_TRUE(pair("b", "a", t0 + 250, t0 + 350));
  EXPECT_FALSE(pair("b", "a", t0 + 250, t0 + 350));
}

TEST_P(SharedWindowsTest, AnAlertWindowKeepsWhatItsStepChanged) {
  ASSERT_TRUE(windows.change_alert_window("d", [](AlertWindow& w) {
    EXPECT_EQ(w.next_free_ms, 0);  // a device never seen starts free
    EXPECT_EQ(w.digest_id, "");
    w = AlertWindow{t0 + 30'000, "digest-1", t0 + 30'000, 2};
  }));
  AlertWindow seen;
  ASSERT_TRUE(windows.change_alert_window("d", [&](AlertWindow& w) { seen = w; }));
  EXPECT_EQ(seen.next_free_ms, t0 + 30'000);
  EXPECT_EQ(seen.digest_id, "digest-1");
  EXPECT_EQ(seen.digest_due_ms, t0 + 30'000);
  EXPECT_EQ(seen.count, 2);
}

XPUSH_STORE_SUITE(SharedWindowsTest);

// Two instances on one PostgreSQL database, each on its own thread as two
// xpushd would be.
class TwoInstances : public ::testing::Test {
 protected:
  test_util::StoreLocationForTest where{Backend::kPostgres};
  std::unique_ptr<Store> first = where.open();
  std::unique_ptr<Store> second = where.open();
};

TEST_F(TwoInstances, SeeTheSameMarksAndTallies) {
  EXPECT_TRUE(*first->shared_windows().mark_first("m", t0, t0 + 1000));
  EXPECT_FALSE(*second->shared_windows().mark_first("m", t0 + 1, t0 + 1001));
  EXPECT_FALSE(*first->shared_windows().take_or_add_tally("b", "a", t0, t0 + 1000));
  EXPECT_TRUE(*second->shared_windows().take_or_add_tally("a", "b", t0 + 1, t0 + 1001));
  EXPECT_FALSE(*first->shared_windows().take_or_add_tally("a", "b", t0 + 1, t0 + 1001));
}

TEST_F(TwoInstances, RacingForTheSameKeysGetOneFirstEach) {
  constexpr int kKeys = 300;
  std::atomic<int> firsts{0};
  auto race = [&](Store& store) {
    for (int i = 0; i < kKeys; ++i) {
      auto first_here =
          store.shared_windows().mark_first("key-" + std::to_string(i), t0, t0 + 60'000);
      ASSERT_TRUE(first_here) << first_here.error().message;
      if (*first_here) ++firsts;
    }
  };
  std::thread a{race, std::ref(*first)}, b{race, std::ref(*second)};
  a.join();
  b.join();
  EXPECT_EQ(firsts.load(), kKeys);
}

TEST_F(TwoInstances, CountThoseThatServedTheDomainLately) {
  auto& a = first->shared_windows();
  auto& b = second->shared_windows();
  EXPECT_EQ(*a.instances_serving("push.example.org", "a", t0, 15'000), 1);
  EXPECT_EQ(*b.instances_serving("push.example.org", "b", t0 + 1'000, 15'000), 2);
  EXPECT_EQ(*a.instances_serving("push.example.org", "a", t0 + 5'000, 15'000), 2);
  EXPECT_EQ(*b.instances_serving("push.other.org", "b", t0 + 5'000, 15'000), 1);  // another domain
  // b is heard of no more: 15 s after its last word it is gone.
  EXPECT_EQ(*a.instances_serving("push.example.org", "a", t0 + 16'001, 15'000), 1);
}

TEST_F(TwoInstances, RacingForTalliesTakeEachOnce) {
  constexpr int kTallies = 300;
  for (int i = 0; i < kTallies; ++i)
    ASSERT_TRUE(first->shared_windows().take_or_add_tally("none", "d", t0, t0 + 60'000));
  std::atomic<int> taken{0};
  auto race = [&](Store& store) {
    for (int i = 0; i < kTallies; ++i) {
      auto got = store.shared_windows().take_or_add_tally("d", "other", t0 + 1, t0 + 60'000);
      ASSERT_TRUE(got) << got.error().message;
      if (*got) ++taken;
    }
  };
  std::thread a{race, std::ref(*first)}, b{race, std::ref(*second)};
  a.join();
  b.join();
  EXPECT_EQ(taken.load(), kTallies);  // each taken by one of them; the rest added under "other"
}

TEST_F(TwoInstances, ChangeOneAlertWindowWithoutLosingEachOthersSteps) {
  constexpr int kSteps = 200;
  auto count_up = [&](Store& store) {
    for (int i = 0; i < kSteps; ++i) {
      ASSERT_TRUE(
          store.shared_windows().change_alert_window("d", [](AlertWindow& w) { ++w.count; }));
    }
  };
  std::thread a{count_up, std::ref(*first)}, b{count_up, std::ref(*second)};
  a.join();
  b.join();
  int count = 0;
  ASSERT_TRUE(
      first->shared_windows().change_alert_window("d", [&](AlertWindow& w) { count = w.count; }));
  EXPECT_EQ(count, 2 * kSteps);
}

}  // namespace
}  // namespace xpush::store
