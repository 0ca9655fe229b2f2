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
  // Past several refills of the per-thread block the ids are drawn from.
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto u = random_uuid();
    ASSERT_EQ(u.size(), 36u);
    for (std::size_t at = 0; at < u.size(); ++at) {
      if (at == 8 || at == 13 || at == 18 || at == 23) {
        ASSERT_EQ(u[at], '-') << u;
      } else {
        ASSERT_NE(std::string_view{"0123456789abcdef"}.find(u[at]), std::string_view::npos) << u;
      }
    }
    EXPECT_EQ(u[14], '4');
    EXPECT_NE(std::string{"89ab"}.find(u[19]), std::string::npos);
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Secrets, Compare) {
  EXPECT_TRUE(secrets_equal("sekrit-123", "sekrit-123"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "sekrit-124"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "sekrit-12"));
  EXPECT_FALSE(secrets_equal("sekrit-123", ""));
  EXPECT_TRUE(secrets_equal("", ""));
  EXPECT_FALSE(secrets_equal("", "x"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "sekrit-123sekrit-123"));  // the secret twice over
  EXPECT_FALSE(secrets_equal("sekrit-123", std::string_view{"sekrit-123\0", 11}));
  EXPECT_FALSE(secrets_equal("ab", "ba"));
  EXPECT_FALSE(secrets_equal("sekrit-123", "Sekrit-123"));
}

}  // namespace
}  // namespace xpush
