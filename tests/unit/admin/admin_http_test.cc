#include "admin/admin_http.h"

#include <gtest/gtest.h>

namespace xpush {
namespace {

TEST(AdminHttp, HealthFollowsTheComponentLink) {
  AdminSnapshot s;
  EXPECT_EQ(admin_response("GET", "/health", s).status, 503);
  s.component_connected = true;
  const auto ok = admin_response("GET", "/health", s);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
}

TEST(AdminHttp, MetricsInPrometheusTextFormat) {
  AdminSnapshot s;
  s.component_connected = true;
  s.delivery_attempts = 7;
  s.delivered = 5;
  s.dead_letters = 1;
  const auto m = admin_response("GET", "/metrics", s);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
  for (const char* line : {"xpush_component_connected 1\n", "xpush_delivery_attempts_total 7\n",
                           "xpush_delivered_total 5\n", "xpush_dead_letters_total 1\n",
                           "# TYPE xpush_delivered_total counter\n"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line;
  }
}

TEST(AdminHttp, EverythingElse) {
  EXPECT_EQ(admin_response("GET", "/", {}).status, 404);
  EXPECT_EQ(admin_response("POST", "/metrics", {}).status, 405);
}

}  // namespace
}  // namespace xpush
