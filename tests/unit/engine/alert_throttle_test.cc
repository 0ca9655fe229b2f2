#include "engine/alert_throttle.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

using std::chrono::seconds;
const AlertThrottle::TimePoint t0{std::chrono::hours{1000}};

TEST(AlertThrottle, OneAlertPerWindowAndTheRestFoldIntoOneDigest) {
  AlertThrottle throttle;
  const seconds window{30};
  EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(throttle.on_alert("d", t0, window, "a")));
  // Three more inside the window: one digest, due when the window ends.
  for (int i = 1; i <= 3; ++i) {
    auto step = throttle.on_alert("d", t0 + seconds{i}, window, "fresh-" + std::to_string(i));
    const auto* fold = std::get_if<AlertThrottle::Fold>(&step);
    ASSERT_TRUE(fold);
    EXPECT_EQ(fold->digest_id, "fresh-1");
    EXPECT_EQ(fold->due, t0 + window);
    EXPECT_EQ(fold->count, i);
  }
  // Another device is not affected.
  EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(throttle.on_alert("e", t0 + seconds{2}, window, "b")));
  // After the digest went out (at t0+30) the next window runs to t0+60.
  auto later = throttle.on_alert("d", t0 + seconds{40}, window, "second");
  ASSERT_TRUE(std::holds_alternative<AlertThrottle::Fold>(later));
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).digest_id, "second");
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).due, t0 + seconds{60});
  EXPECT_EQ(std::get<AlertThrottle::Fold>(later).count, 1);
  // A quiet device alerts at once again.
  EXPECT_TRUE(std::holds_alternative<AlertThrottle::SendNow>(throttle.on_alert("d", t0 + seconds{200}, window, "c")));
}

}  // namespace
}  // namespace xpush
