#include "engine/secrets.h"

#include <gtest/gtest.h>

#include <set>

namespace xpush {
namespace {

TEST(Secrets, TokensAreBase64UrlOfTheRequestedEntropy) {
  EXPECT_EQ(random_token(kNodeBytes).size(), 16u);
  EXPECT_EQ(random_token(kSecretBytes).size(), 32u);
  EXPECT_EQ(random_token(1).size(), 2u);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto t = random_token(kNodeBytes);
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Secrets, UuidIsVersion4) {
  const auto u = random_uuid();
  ASSERT_EQ(u.size(), 36u);
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(std::string{"89ab"}.find(u[19]), std::string::npos);
}

TEST(Secrets, Compare) {
  EXPECT_TRUE(secrets_equal("sekrit-123", "sekrit-123"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "sekrit-124"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "sekrit-12"));
  EXPECT_FALSE(secrets_equal("sekrit-123", ""));
  EXPECT_TRUE(secrets_equal("", ""));
}

}  // namespace
}  // namespace xpush
