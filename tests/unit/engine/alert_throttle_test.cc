#include "engine/alert_throttle.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

using std::chrono::seconds;
const AlertThrottle::TimePoint t0{std::chrono::hours{1000}};

TEST(AlertThrottle, OneAlertPerWindowAndTheRestFoldIntoOneDigest) {
  auto windows = store::memory_shared_windows();
  AlertThrottle throttle;
  auto on_alert = [&](const std::string& device, AlertThrottle::TimePoint at,
                      const std::string& id) {
    return throttle.on_alert(*windows, device, at, seconds{30}, id);
  };
  EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(on_alert("d", t0, "a")));
  // Three more inside the window: one digest, due when the window ends.
  for (int i = 1; i <= 3; ++i) {
    auto step = on_alert("d", t0 + seconds{i}, "fresh-" + std::to_string(i));
    const auto* fold = std::get_if<AlertThrottle::Fold>(&step);
    ASSERT_TRUE(fold);
    EXPECT_EQ(fold->digest_id, "fresh-1");
    EXPECT_EQ(fold->due, t0 + seconds{30});
    EXPECT_EQ(fold->count, i);
  }
  // Another device is not affected.
  EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(on_alert("e", t0 + seconds{2}, "b")));
  // After the digest went out (at t0+30) the next window runs to t0+60.
  auto later = on_alert("d", t0 + seconds{40}, "second");
  ASSERT_TRUE(std::holds_alternative<AlertThrottle::Fold>(later));
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).digest_id, "second");
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).due, t0 + seconds{60});
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).count, 1);
  // A quiet device alerts at once again.
  EXPECT_TRUE(
      std::holds_alternative<AlertThrottle::SendNow>(on_alert("d", t0 + seconds{200}, "c")));
}

TEST(AlertThrottle, AnAlertArrivingAfterItsDigestWasClaimedStartsTheNextOne) {
  auto windows = store::memory_shared_windows();
  AlertThrottle throttle;
  std::string claimed;
  auto on_alert = [&](AlertThrottle::TimePoint at, const std::string& id) {
    return throttle.on_alert(*windows, "d", at, seconds{30}, id,
                             [&](const std::string& digest) { return digest == claimed; });
  };
  ASSERT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(on_alert(t0, "a")));
  ASSERT_EQ(std::get<AlertThrottle::Fold>(on_alert(t0 + seconds{1}, "first")).digest_id, "first");
  // Received a moment before the window ends, but the digest is on its way.
  claimed = "first";
  auto late = on_alert(t0 + seconds{29}, "second");
  const auto* fold = std::get_if<AlertThrottle::Fold>(&late);
  ASSERT_TRUE(fold);
  EXPECT_EQ(fold->digest_id, "second");
  EXPECT_EQ(fold->due, t0 + seconds{60});
  EXPECT_EQ(fold->count, 1);
}

// Shared windows that have lost their database.
class FailingWindows final : public store::SharedWindows {
  store::StoreError gone() const {
    return {store::StoreErrorKind::kUnavailable, "connection refused"};
  }

 public:
  store::StoreResult<bool> mark_first(const std::string&, std::int64_t, std::int64_t) override {
    return tl::unexpected(gone());
  }
  store::StoreResult<void> change_alert_window(
      const std::string&, const std::function<void(store::AlertWindow&)>&) override {
    return tl::unexpected(gone());
  }
  store::StoreResult<bool> take_or_add_tally(const std::string&, const std::string&, std::int64_t,
                                             std::int64_t) override {
    return tl::unexpected(gone());
  }
  store::StoreResult<int> instances_serving(const std::string&, const std::string&, std::int64_t,
                                            std::int64_t) override {
    return tl::unexpected(gone());
  }
};

TEST(AlertThrottle, WithoutItsWindowsEveryAlertGoesOutAtOnce) {
  FailingWindows windows;
  AlertThrottle throttle;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(
        throttle.on_alert(windows, "d", t0 + seconds{i}, seconds{30}, "x")));
  }
  EXPECT_EQ(throttle.faults(), 3u);
}

}  // namespace
}  // namespace xpush
