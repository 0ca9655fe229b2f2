#include "engine/registration_cache.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

using namespace std::chrono_literals;

store::Registration device(const std::string& node, const std::string& device_id, const std::string& token) {
  store::Registration r;
  r.domain = "localhost";
  r.node = node;
  r.account = "alice@localhost";
  r.device_id = device_id;
  r.token = token;
  r.secret_hash = store::node_secret_hash("s");
  return r;
}

const RegistrationCache::Clock::time_point t0{std::chrono::hours{1}};

TEST(RegistrationCache, KeepsARegistrationForItsTtl) {
  RegistrationCache cache{10s, 100};
  cache.remember(device("n1", "d1", "tok"), t0);
  ASSERT_NE(cache.find("localhost", "n1", t0 + 9s), nullptr);
  EXPECT_EQ(cache.find("localhost", "n1", t0 + 9s)->token, "tok");
  EXPECT_EQ(cache.find("other.example", "n1", t0), nullptr);
  EXPECT_EQ(cache.find("localhost", "n1", t0 + 10s), nullptr);
  EXPECT_EQ(cache.size(), 0u);  // an expired entry is gone once seen
}

TEST(RegistrationCache, ForgetsByNodeAndByDevice) {
  RegistrationCache cache{10s, 100};
  cache.remember(device("n1", "d1", "a"), t0);
  cache.remember(device("n2", "d2", "b"), t0);
  cache.forget("localhost", "n1");
  EXPECT_EQ(cache.find("localhost", "n1", t0), nullptr);
  cache.forget_device("alice@localhost", "d2", "");
  EXPECT_EQ(cache.find("localhost", "n2", t0), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(RegistrationCache, ADeviceKeptAgainReplacesItsEarlierNode) {
  RegistrationCache cache{10s, 100};
  cache.remember(device("n1", "d1", "old"), t0);
  cache.remember(device("n3", "d1", "new"), t0);
  EXPECT_EQ(cache.find("localhost", "n1", t0), nullptr);
  ASSERT_NE(cache.find("localhost", "n3", t0), nullptr);
  cache.forget_device("alice@localhost", "d1", "");
  EXPECT_EQ(cache.find("localhost", "n3", t0), nullptr);
}

TEST(RegistrationCache, StartsOverAtCapacityAndKeepsNothingWithoutTtl) {
  RegistrationCache cache{10s, 2};
  cache.remember(device("n1", "d1", "a"), t0);
  cache.remember(device("n2", "d2", "b"), t0);
  cache.remember(device("n3", "d3", "c"), t0);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_NE(cache.find("localhost", "n3", t0), nullptr);

  RegistrationCache off{0s, 100};
  off.remember(device("n1", "d1", "a"), t0);
  EXPECT_EQ(off.find("localhost", "n1", t0), nullptr);
}

}  // namespace
}  // namespace xpush
