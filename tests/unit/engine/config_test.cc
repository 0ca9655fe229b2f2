#include "engine/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "push/vapid.h"
#include "tests/unit/temp_dir.h"

namespace xpush {
namespace {

const std::string kMinimal = "component:\n  domain: push.example.com\n  secret: s3cret\n";

TEST(Config, MinimalFileTakesTheDefaults) {
  const Config c = load_config_text(kMinimal);
  EXPECT_EQ(c.link.session.component_domain, "push.example.com");
  EXPECT_EQ(c.link.session.secret, "s3cret");
  EXPECT_EQ(c.link.host, "127.0.0.1");
  EXPECT_EQ(c.link.port, 5347);
  EXPECT_EQ(c.link.keepalive, std::chrono::seconds{30});
  EXPECT_FALSE(c.link.tls.enabled);
  EXPECT_EQ(c.push_provider, "log");
}

TEST(Config, TheShippedExampleLoads) {
  const Config c = load_config_file(std::string{XPUSH_SOURCE_DIR} + "/packaging/examples/xpush.yaml");
  EXPECT_EQ(c.link.session.component_domain, "push.example.com");
  EXPECT_EQ(c.server_domains, std::vector<std::string>{"example.com"});
}

void expect_error(const std::string& yaml, const std::string& expected) {
  SCOPED_TRACE(yaml);
  try {
    load_config_text(yaml, "xpush.yaml");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string{e.what()}, expected);
  }
}

TEST(Config, ErrorsPointAtFileLineAndColumn) {
  expect_error(kMinimal + "  prot: 5347\n",
               "xpush.yaml:4:3: unknown key 'prot' in component (expected one of: domain, secret, "
               "secret_file, host, port, tls, keepalive_seconds, reconnect, max_stanza_bytes, "
               "handshake_timeout_seconds, answer_timeout_seconds, ping_to)");
  expect_error(kMinimal + "  port: twelve\n", "xpush.yaml:4:9: component.port has the wrong type");
  expect_error(kMinimal + "  port: 70000\n",
               "xpush.yaml:4:9: component.port must be between 1 and 65535");
  expect_error(kMinimal + "  keepalive_seconds: 300\n",
               "xpush.yaml:4:22: component.keepalive_seconds must be between 1 and 60");
  expect_error(kMinimal + "  port: 1\n  port: 2\n",
               "xpush.yaml:5:3: duplicate key 'port' in component");
  expect_error(kMinimal + "admin:\n  address: 0.0.0.0\n  port: 9109\n",
               "xpush.yaml:5:12: admin.address is not loopback; set admin.allow_remote: true to expose it");
  expect_error(kMinimal + "admin:\n  address: 0.0.0.0\n  port: 9109\n  allow_remote: true\n",
               "xpush.yaml:5:12: admin.address is not loopback; set admin.token_file to a file holding a bearer token");
  expect_error("component:\n  secret: s\n", "xpush.yaml:2:3: component.domain is required");
  expect_error("component:\n  domain: d\n",
               "xpush.yaml:2:3: component.secret or component.secret_file is required");
  expect_error("component: [1, 2\n", "xpush.yaml:2:1: end of sequence flow not found");
  expect_error(kMinimal + "push:\n  provider: pigeon\n",
               "xpush.yaml:5:13: push.provider must be 'log' or 'direct'");
  expect_error(kMinimal + "push:\n  provider: direct\n",
               "xpush.yaml:5:3: push.provider is direct but no provider is configured (push.apns, fcm, webpush, webhook, hms, honor, xiaomi, oppo or vivo)");
  expect_error(kMinimal + "push:\n  fcm:\n    token_url: http://x\n    apps: []\n",
               "xpush.yaml:6:16: push.fcm.token_url must be an https:// URL");
  expect_error(kMinimal + "push:\n  apns:\n    apps:\n      - name: chat\n        topic: t\n",
               "xpush.yaml:7:9: APNs app 'chat' needs either key_file (token auth) or cert_file");
  expect_error(kMinimal + "log:\n  level: loud\n",
               "xpush.yaml:5:10: log.level must be trace, debug, info, warn or error");
}

TEST(Config, AdminBeyondLoopbackNeedsAllowRemoteAndAToken) {
  const Config c = load_config_text(kMinimal +
                                    "admin:\n  address: 0.0.0.0\n  port: 9109\n  allow_remote: true\n"
                                    "  token_file: /etc/xpush/admin.token\n");
  EXPECT_EQ(c.admin_address, "0.0.0.0");
  EXPECT_EQ(c.admin_token_file, "/etc/xpush/admin.token");
  EXPECT_EQ(load_config_text(kMinimal + "admin:\n  port: 9109\n").admin_token_file, "");
}

TEST(Config, ApnsAppsMayUseTheirOwnEnvironment) {
  const Config c = load_config_text(kMinimal + R"(push:
  provider: direct
  apns:
    apps:
      - { name: chat, topic: org.example.chat, key_file: k.p8, key_id: K, team_id: T }
      - { name: beta, topic: org.example.beta, key_file: k.p8, key_id: K, team_id: T,
          environment: sandbox }
)");
  ASSERT_EQ(c.apns.apps.size(), 2u);
  EXPECT_EQ(c.apns.endpoint.host, "api.push.apple.com");
  EXPECT_FALSE(c.apns.apps[0].endpoint);
  ASSERT_TRUE(c.apns.apps[1].endpoint);
  EXPECT_EQ(c.apns.apps[1].endpoint->host, "api.sandbox.push.apple.com");
  EXPECT_EQ(c.apns.endpoint.timeout, std::chrono::milliseconds{10'000});
}

TEST(Config, ProviderRequestsHaveADeadline) {
  const Config c = load_config_text(kMinimal + R"(push:
  provider: direct
  request_timeout_ms: 2500
  apns:
    apps:
      - { name: beta, topic: org.example.beta, key_file: k.p8, key_id: K, team_id: T, environment: sandbox }
  fcm:
    apps:
      - { name: droid, service_account_file: sa.json }
)");
  EXPECT_EQ(c.apns.endpoint.timeout, std::chrono::milliseconds{2'500});
  ASSERT_TRUE(c.apns.apps[0].endpoint);
  EXPECT_EQ(c.apns.apps[0].endpoint->timeout, std::chrono::milliseconds{2'500});
  EXPECT_EQ(c.fcm.endpoint.timeout, std::chrono::milliseconds{2'500});
  EXPECT_EQ(c.fcm.endpoint.idle_ping, std::chrono::milliseconds{60'000});
  const Config quiet = load_config_text(kMinimal + "push:\n  idle_ping_ms: 0\n");
  EXPECT_EQ(quiet.apns.endpoint.idle_ping, std::chrono::milliseconds{0});
  expect_error(kMinimal + "push:\n  request_timeout_ms: 10\n",
               "xpush.yaml:5:23: push.request_timeout_ms must be between 100 and 300000");
}

TEST(Config, WebPushNeedsAVapidKeyAndSubject) {
  testing::TempDir dir;
  const auto key = dir.file("vapid.pem");
  std::ofstream{key} << *push::generate_vapid_key_pem();
  const Config c = load_config_text(kMinimal + "push:\n  provider: direct\n  request_timeout_ms: 3000\n"
                                    "  webpush:\n    vapid: { key_file: " + key + ", subject: \"mailto:ops@example.org\" }\n"
                                    "    allow_hosts: [localhost]\n");
  ASSERT_TRUE(c.webpush);
  EXPECT_EQ(c.webpush->subject, "mailto:ops@example.org");
  EXPECT_EQ(c.webpush->allow_hosts, std::vector<std::string>{"localhost"});
  EXPECT_EQ(c.webpush->connections_per_origin, 4u);
  EXPECT_EQ(c.webpush->timeout, std::chrono::milliseconds{3'000});
  EXPECT_FALSE(load_config_text(kMinimal).webpush);
  expect_error(kMinimal + "push:\n  webpush:\n    vapid: { subject: ops@example.org, key_file: " + key + " }\n",
               "xpush.yaml:6:23: push.webpush.vapid.subject must be a mailto: or https: URL where push services "
               "can reach you");
  const auto rsa = dir.file("missing.pem");
  expect_error(kMinimal + "push:\n  webpush:\n    vapid: { key_file: " + rsa + ", subject: \"mailto:a@b\" }\n",
               "xpush.yaml:6:24: cannot read VAPID key " + rsa + ": No such file or directory");
}

TEST(Config, WebhookNeedsAUrlAndASecret) {
  testing::TempDir dir;
  const auto secret = dir.file("webhook.secret");
  std::ofstream{secret} << "0123456789abcdef0123456789abcdef\n";
  const Config c = load_config_text(kMinimal + "push:\n  provider: direct\n  webhook:\n"
                                    "    url: https://hooks.example.org/xpush\n    secret_file: " + secret + "\n");
  ASSERT_TRUE(c.webhook);
  EXPECT_EQ(c.webhook->url, "https://hooks.example.org/xpush");
  EXPECT_EQ(c.webhook->connections, 4u);
  expect_error(kMinimal + "push:\n  webhook:\n    url: ftp://x/\n    secret_file: " + secret + "\n",
               "xpush.yaml:6:10: push.webhook.url must be an http:// or https:// URL");
  expect_error(kMinimal + "push:\n  webhook:\n    url: https://x/\n",
               "xpush.yaml:6:5: push.webhook.secret_file is required (openssl rand -hex 32 > FILE)");
}

TEST(Config, VendorChannelsNeedTheirOwnFieldsAndASecretFile) {
  testing::TempDir dir;
  const auto secret = dir.file("vendor.secret");
  std::ofstream{secret} << "s3cret\n";
  const Config c = load_config_text(
      kMinimal + "push:\n  provider: direct\n"
                 "  hms:\n    apps: [{ name: chat, app_id: \"10004\", secret_file: " + secret + " }]\n"
                 "  xiaomi:\n    api_url: https://127.0.0.1:8443/mi\n"
                 "    apps: [{ name: chat, package: org.example.chat, channel_id: messages, secret_file: " + secret + " }]\n");
  ASSERT_EQ(c.vendors.size(), 2u);
  EXPECT_EQ(c.vendors[0].platform, push::Platform::kHms);
  EXPECT_EQ(c.vendors[0].apps.at(0).app_id, "10004");
  EXPECT_EQ(c.vendors[0].apps.at(0).category, "IM");
  EXPECT_EQ(c.vendors[1].platform, push::Platform::kXiaomi);
  EXPECT_EQ(c.vendors[1].api_url, "https://127.0.0.1:8443/mi");
  expect_error(kMinimal + "push:\n  xiaomi:\n    apps: [{ name: chat, package: p, secret_file: " + secret + " }]\n",
               "xpush.yaml:6:12: push.xiaomi.apps[] app 'chat' needs channel_id (Xiaomi requires a notification channel)");
  expect_error(kMinimal + "push:\n  vivo:\n    apps: [{ name: chat, app_id: \"1\", secret_file: " + secret + " }]\n",
               "xpush.yaml:6:12: push.vivo.apps[] app 'chat' needs app_key");
  expect_error(kMinimal + "push:\n  oppo:\n    apps: [{ name: chat, app_key: k, secret_file: /nonexistent/oppo }]\n",
               "xpush.yaml:6:51: cannot read secret /nonexistent/oppo: No such file or directory");
}

TEST(Config, StoreBackendsAndTheirOptions) {
  const Config pg = load_config_text(kMinimal + "store:\n  postgresql: { dsn: \"host=db dbname=x\" }\n  instance: a1\n");
  EXPECT_EQ(pg.store.postgresql_dsn, "host=db dbname=x");
  EXPECT_EQ(pg.delivery.instance, "a1");
  EXPECT_EQ(pg.delivery.lease, std::chrono::milliseconds{60'000});
  EXPECT_EQ(pg.registration_cache, std::chrono::seconds{10});
  EXPECT_EQ(pg.delivery.max_in_flight, 10'000u);
  EXPECT_EQ(pg.store.postgresql_timeout, std::chrono::milliseconds{30'000});
  EXPECT_EQ(load_config_text(kMinimal + "store:\n  postgresql: { dsn: x, timeout_ms: 1500 }\n").store.postgresql_timeout,
            std::chrono::milliseconds{1'500});
  const Config tuned = load_config_text(kMinimal + "store:\n  registration_cache_seconds: 0\npush:\n  max_in_flight: 500\n");
  EXPECT_EQ(tuned.registration_cache, std::chrono::seconds{0});
  EXPECT_EQ(tuned.delivery.max_in_flight, 500u);
  expect_error(kMinimal + "push:\n  max_in_flight: 0\n",
               "xpush.yaml:5:18: push.max_in_flight must be between 1 and 1000000");
  expect_error(kMinimal + "store:\n  sqlite: { path: a.db }\n  postgresql: { dsn: x }\n",
               "xpush.yaml:6:15: store: configure either sqlite or postgresql, not both");
  expect_error(kMinimal + "store:\n  postgresql: {}\n",
               "xpush.yaml:5:15: store.postgresql.dsn is required (a libpq connection string)");
  expect_error(kMinimal + "store:\n  encryption: { key_file: /nonexistent/key }\n",
               "xpush.yaml:5:15: cannot read store.encryption key /nonexistent/key: No such file or directory");
}

TEST(Config, LimitsPerAccountAndPerEvent) {
  const Config defaults = load_config_text(kMinimal);
  EXPECT_EQ(defaults.limits.devices_per_account, 20u);
  EXPECT_EQ(defaults.limits.notifications_per_event, 20u);
  EXPECT_EQ(defaults.limits.registration_burst, 10u);
  EXPECT_EQ(defaults.limits.registration_refill, std::chrono::seconds{6});
  EXPECT_EQ(defaults.link.session.limits.max_stanza_bytes, 2u * 1024 * 1024);
  const Config c = load_config_text(kMinimal + "limits:\n  devices_per_account: 5\n"
                                    "  registrations_per_minute: 30\n  notifications_per_event: 3\n");
  EXPECT_EQ(c.limits.devices_per_account, 5u);
  EXPECT_EQ(c.limits.registration_burst, 30u);
  EXPECT_EQ(c.limits.registration_refill, std::chrono::seconds{2});
  EXPECT_EQ(c.limits.notifications_per_event, 3u);
  expect_error(kMinimal + "limits:\n  devices_per_account: 0\n",
               "xpush.yaml:5:24: limits.devices_per_account must be between 1 and 10000");
  expect_error(kMinimal + "limits:\n  devices: 5\n",
               "xpush.yaml:5:3: unknown key 'devices' in limits (expected one of: devices_per_account, "
               "notifications_per_event, registrations_per_minute)");
}

TEST(Config, MissingFileIsNamed) {
  try {
    load_config_file("/nonexistent/xpush.yaml");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find("/nonexistent/xpush.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace xpush
