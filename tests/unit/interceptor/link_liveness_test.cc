#include "interceptor/link_liveness.h"

#include <gtest/gtest.h>

namespace xpush::interceptor {
namespace {

using namespace std::chrono_literals;
using Tick = LinkLiveness::Tick;

const auto t0 = LinkLiveness::Clock::time_point{} + 1h;

TEST(LinkLiveness, WhitespaceWhileTheServerTalks) {
  LinkLiveness l{30s, 10s, t0};
  l.heard(t0 + 20s);
  EXPECT_EQ(l.on_keepalive(t0 + 30s), Tick::kWhitespace);
  EXPECT_FALSE(l.unanswered_ping(t0 + 45s));
}

TEST(LinkLiveness, PingsAfterAQuietIntervalAndWaitsForAnyByte) {
  LinkLiveness l{30s, 10s, t0};
  EXPECT_EQ(l.on_keepalive(t0 + 30s), Tick::kPing);
  EXPECT_EQ(l.ping_deadline(), t0 + 40s);
  EXPECT_EQ(l.on_keepalive(t0 + 35s), Tick::kNothing);  // one ping at a time
  EXPECT_FALSE(l.unanswered_ping(t0 + 39s));
  l.heard(t0 + 39s);
  EXPECT_FALSE(l.unanswered_ping(t0 + 41s));
  EXPECT_EQ(l.on_keepalive(t0 + 60s), Tick::kWhitespace);
}

TEST(LinkLiveness, AnUnansweredPingIsReportedWithItsAge) {
  LinkLiveness l{30s, 10s, t0};
  ASSERT_EQ(l.on_keepalive(t0 + 30s), Tick::kPing);
  EXPECT_EQ(l.unanswered_ping(t0 + 40s), 10s);
}

TEST(LinkLiveness, EachPingHasItsOwnId) {
  LinkLiveness l{1s, 1s, t0};
  ASSERT_EQ(l.on_keepalive(t0 + 1s), Tick::kPing);
  const auto first = l.ping_id();
  l.heard(t0 + 1500ms);
  ASSERT_EQ(l.on_keepalive(t0 + 3s), Tick::kPing);
  EXPECT_NE(first, l.ping_id());
}

TEST(LinkLiveness, OnlyAnswersToOurPingsAreTheLinks) {
  auto ping = ping_stanza("push.example.org", "example.org", "xpush-ping-1");
  EXPECT_EQ(ping.attr_or("type"), "get");
  ASSERT_NE(ping.child("ping", "urn:xmpp:ping"), nullptr);
  EXPECT_FALSE(is_ping_answer(ping));  // a request, not an answer
  Element result{ns::kComponent, "iq"};
  result.set_attr("type", "result").set_attr("id", "xpush-ping-1");
  EXPECT_TRUE(is_ping_answer(result));
  result.set_attr("type", "error");
  EXPECT_TRUE(is_ping_answer(result));
  result.set_attr("id", "publish-7");
  EXPECT_FALSE(is_ping_answer(result));
  Element message{ns::kComponent, "message"};
  message.set_attr("type", "error").set_attr("id", "xpush-ping-1");
  EXPECT_FALSE(is_ping_answer(message));
}

}  // namespace
}  // namespace xpush::interceptor
