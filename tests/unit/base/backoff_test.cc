#include "base/backoff.h"

#include <gtest/gtest.h>

#include "base/base64.h"

namespace xpush::base {
namespace {

TEST(Backoff, GrowsDoublingUpToTheCapWithJitterInTheUpperHalf) {
  const BackoffPolicy p{std::chrono::milliseconds{500}, std::chrono::milliseconds{30'000}};
  using std::chrono::milliseconds;
  EXPECT_EQ(backoff_delay(p, 0, 0.0), milliseconds{250});
  EXPECT_EQ(backoff_delay(p, 0, 1.0), milliseconds{500});
  EXPECT_EQ(backoff_delay(p, 1, 1.0), milliseconds{1000});
  EXPECT_EQ(backoff_delay(p, 5, 1.0), milliseconds{16'000});
  EXPECT_EQ(backoff_delay(p, 6, 1.0), milliseconds{30'000});
  EXPECT_EQ(backoff_delay(p, 6, 0.0), milliseconds{15'000});
  EXPECT_EQ(backoff_delay(p, 1000, 1.0), milliseconds{30'000});  // no overflow
}

TEST(Base64Url, Rfc4648Vectors) {
  // RFC 4648 §10 vectors, in the URL alphabet and without padding.
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

}  // namespace
}  // namespace xpush::base
