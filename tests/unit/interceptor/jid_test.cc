#include "interceptor/jid.h"

#include <gtest/gtest.h>

#include "interceptor/backoff.h"

namespace xpush::interceptor {
namespace {

TEST(Jid, Parts) {
  auto j = Jid::parse("Alice@Example.org/Phone 1");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->local, "alice");
  EXPECT_EQ(j->domain, "example.org");
  EXPECT_EQ(j->resource, "Phone 1");
  EXPECT_EQ(j->bare(), "alice@example.org");
  EXPECT_TRUE(j->is_full());
  EXPECT_FALSE(j->is_domain());
  EXPECT_TRUE(Jid::parse("example.org")->is_domain());
  EXPECT_EQ(Jid::parse("a@b/c/d")->resource, "c/d");
}

TEST(Jid, Invalid) {
  for (const char* bad : {"", "@example.org", "a@", "a@b/", "a@b@c", "/res"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(Jid::parse(bad));
  }
}

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

}  // namespace
}  // namespace xpush::interceptor
