#include "interceptor/jid.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace xpush::interceptor
