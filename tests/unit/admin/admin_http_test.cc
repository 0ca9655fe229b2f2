#include "admin/admin_http.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "admin/admin_metrics.h"

namespace xpush {
namespace {

std::string header(const AdminResponse& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return {};
}

AdminSnapshot busy_snapshot() {
  AdminSnapshot s;
  s.component_connected = true;
  s.delivery_attempts = 7;
  s.delivered = 5;
  s.dead_letters = 1;
  s.stanzas_skipped_too_deep = 2;
  auto& st = s.status;
  st.version = "0.1.0";
  st.now_ms = 1'800'000'100'000;
  st.started_ms = 1'800'000'000'000;
  st.component = "push.example.org";
  st.link_since_ms = 1'800'000'050'000;
  st.providers = {{"apns", 5, 2, 1'800'000'090'000, 1'800'000'080'000, 429, "TooManyRequests"}};
  st.accepted_per_second = {3, 0, 4};
  st.delivered_per_second = {2, 1, 4};
  st.outbox_pending = 3;
  st.outbox_dead = 1;
  st.outbox_oldest_pending_ms = 1'800'000'058'000;
  st.outbox_counted_ms = 1'800'000'100'000;
  st.dead_letter_reasons = {{"PayloadTooLarge", 1}};
  st.rules_file = "/etc/xpush/rules.yaml";
  st.rules_in_force = 4;
  st.rules_loaded_ms = 1'800'000'000'000;
  st.rules_refused_ms = 1'800'000'070'000;
  st.rules_refused_errors = "rules.yaml:3:5: unknown key 'wen'";
  st.store = "SQLite /var/lib/xpush/xpush.db";
  st.retention_hours = 2160;
  st.messages_purged = 12;
  return s;
}

TEST(AdminHttp, HealthFollowsTheComponentLink) {
  AdminSnapshot s;
  EXPECT_EQ(admin_response("GET", "/health", s).status, 503);
  s.component_connected = true;
  const auto ok = admin_response("GET", "/health", s);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "ok\n");
}

TEST(AdminHttp, MetricsInPrometheusTextFormat) {
  const auto m = admin_response("GET", "/metrics", busy_snapshot());
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
  for (const char* line : {"xpush_component_connected 1\n", "xpush_delivery_attempts_total 7\n",
                           "xpush_delivered_total 5\n", "xpush_dead_letters_total 1\n",
                           "# TYPE xpush_delivered_total counter\n", "xpush_outbox_pending 3\n",
                           "xpush_outbox_dead 1\n", "xpush_outbox_oldest_age_seconds 42\n",
                           "xpush_messages_purged_total 12\n", "xpush_rules_in_force 4\n",
                           "xpush_build_info{version=\"0.1.0\"} 1\n",
                           "xpush_stanzas_skipped_total{reason=\"too-deep\"} 2\n"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line;
  }
  // HELP and TYPE once for a labelled family.
  const auto help = m.body.find("# HELP xpush_stanzas_skipped_total");
  EXPECT_EQ(m.body.find("# HELP xpush_stanzas_skipped_total", help + 1), std::string::npos);
}

TEST(AdminHttp, OutboxGaugesWaitForTheFirstCount) {
  const auto m = admin_response("GET", "/metrics", AdminSnapshot{});
  EXPECT_EQ(m.body.find("xpush_outbox_pending"), std::string::npos);
}

TEST(AdminHttp, StatusJsonCarriesTheStateAndEveryMetric) {
  const auto s = busy_snapshot();
  const auto r = admin_response("GET", "/status.json?t=1", s);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["version"], "0.1.0");
  EXPECT_EQ(j["component"]["connected"], true);
  EXPECT_EQ(j["component"]["since_ms"], 1'800'000'050'000);
  EXPECT_EQ(j["providers"][0]["name"], "apns");
  EXPECT_EQ(j["providers"][0]["last_error"], "TooManyRequests");
  EXPECT_EQ(j["rate"]["delivered_per_second"], nlohmann::json::array({2, 1, 4}));
  EXPECT_EQ(j["outbox"]["dead_letter_reasons"][0]["reason"], "PayloadTooLarge");
  EXPECT_EQ(j["rules"]["refused_errors"], "rules.yaml:3:5: unknown key 'wen'");
  EXPECT_EQ(j["store"]["retention_hours"], 2160);
  // Every sample of /metrics, under its own name.
  for (const auto& m : metrics_of(s)) {
    std::string key{m.name};
    if (!m.label.empty()) key += "{" + m.label + "}";
    EXPECT_EQ(j["metrics"][key], m.value) << key;
  }
}

TEST(AdminHttp, StatusJsonSurvivesTextThatIsNotUtf8) {
  auto s = busy_snapshot();
  s.status.providers[0].last_error = "bad \xff byte";
  const auto j = nlohmann::json::parse(admin_response("GET", "/status.json", s).body);
  EXPECT_EQ(j["providers"][0]["last_error"], "bad \xEF\xBF\xBD byte");
}

TEST(AdminHttp, TheStatusPageIsOneSelfContainedDocument) {
  for (const char* target : {"/", "/status"}) {
    const auto page = admin_response("GET", target, {});
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("fetch(\"status.json\""), std::string::npos);
    // Nothing loaded from elsewhere (the CSP would refuse it anyway).
    for (const char* load : {"src=", "href=\"http", "url(", "@import"}) {
      EXPECT_EQ(page.body.find(load), std::string::npos) << load;
    }
    EXPECT_NE(header(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  }
}

TEST(AdminHttp, EverythingElse) {
  EXPECT_EQ(admin_response("GET", "/nothing", {}).status, 404);
  EXPECT_EQ(admin_response("POST", "/metrics", {}).status, 405);
}

TEST(AdminAccess, WithoutATokenOnlyLoopbackHostsAreAnswered) {
  const AdminAccess open{};
  for (const char* host : {"127.0.0.1:9109", "127.0.0.1", "localhost:9109", "[::1]:9109", "::1"}) {
    EXPECT_FALSE(admin_refusal(open, host, "")) << host;
  }
  // A page on another site that rebinds its name to 127.0.0.1 still sends its own name.
  for (const char* host : {"evil.example:9109", "", "[::2]:1", "127.0.0.1.evil.example"}) {
    const auto refusal = admin_refusal(open, host, "");
    ASSERT_TRUE(refusal) << host;
    EXPECT_EQ(refusal->status, 403);
  }
}

TEST(AdminAccess, WithATokenEveryRequestCarriesIt) {
  const AdminAccess guarded{"s3cr3t-t0ken"};
  EXPECT_FALSE(admin_refusal(guarded, "status.example:9109", "Bearer s3cr3t-t0ken"));
  EXPECT_FALSE(admin_refusal(guarded, "status.example:9109", "bearer s3cr3t-t0ken"));
  // A browser's Basic prompt: any user name, the token as the password ("ops:s3cr3t-t0ken").
  EXPECT_FALSE(admin_refusal(guarded, "127.0.0.1", "Basic b3BzOnMzY3IzdC10MGtlbg=="));
  for (const char* authorization : {"", "Bearer wrong", "Bearer s3cr3t-t0ke", "Bearer s3cr3t-t0kenX",
                                    "Basic b3BzOndyb25n", "Basic !!!", "s3cr3t-t0ken", "Bearer"}) {
    const auto refusal = admin_refusal(guarded, "127.0.0.1", authorization);
    ASSERT_TRUE(refusal) << authorization;
    EXPECT_EQ(refusal->status, 401);
    EXPECT_EQ(header(*refusal, "WWW-Authenticate"), "Bearer realm=\"xpush\", Basic realm=\"xpush\"");
  }
}

}  // namespace
}  // namespace xpush
