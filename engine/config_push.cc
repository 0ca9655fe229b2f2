// xpush.yaml, the push section: providers, their apps and endpoints.
#include "base/read_file.h"
#include "engine/config_reader.h"

namespace xpush::config_detail {

namespace {

std::string apns_host(const Reader& r, const YAML::Node& node, const std::string& where) {
  const auto environment = r.get<std::string>(node, "environment", where, "production");
  if (environment != "production" && environment != "sandbox") {
    r.fail(node["environment"], where + ".environment must be production or sandbox");
  }
  return environment == "production" ? "api.push.apple.com" : "api.sandbox.push.apple.com";
}

void read_apns_app(const Reader& r, const YAML::Node& a, push::ApnsOptions& apns) {
  r.only_keys(a, "push.apns.apps[]", {"name", "topic", "environment", "key_file", "key_id",
                                      "team_id", "cert_file", "cert_key_file", "cert_password"});
  push::ApnsAppOptions app;
  app.app.name = r.get<std::string>(a, "name", "push.apns.apps[]", "");
  app.app.topic = r.get<std::string>(a, "topic", "push.apns.apps[]", "");
  if (app.app.name.empty() || app.app.topic.empty()) r.fail(a, "an APNs app needs a name and a topic");
  app.key_file = r.get<std::string>(a, "key_file", "push.apns.apps[]", "");
  app.key_id = r.get<std::string>(a, "key_id", "push.apns.apps[]", "");
  app.team_id = r.get<std::string>(a, "team_id", "push.apns.apps[]", "");
  app.cert_file = r.get<std::string>(a, "cert_file", "push.apns.apps[]", "");
  app.cert_key_file = r.get<std::string>(a, "cert_key_file", "push.apns.apps[]", "");
  app.cert_password = r.get<std::string>(a, "cert_password", "push.apns.apps[]", "");
  const bool token_auth = !app.key_file.empty();
  if (token_auth == !app.cert_file.empty()) {
    r.fail(a, "APNs app '" + app.app.name + "' needs either key_file (token auth) or cert_file");
  }
  if (token_auth && (app.key_id.empty() || app.team_id.empty())) {
    r.fail(a, "APNs app '" + app.app.name + "': token auth needs key_id and team_id");
  }
  if (a["environment"]) {
    app.endpoint = apns.endpoint;
    app.endpoint->host = apns_host(r, a, "push.apns.apps[]");
  }
  apns.apps.push_back(std::move(app));
}

void read_apns(const Reader& r, const YAML::Node& a, push::ApnsOptions& apns) {
  r.only_keys(a, "push.apns", {"environment", "host", "port", "ca_file", "connections", "apps"});
  apns.endpoint.host = r.get<std::string>(a, "host", "push.apns", apns_host(r, a, "push.apns"));
  apns.endpoint.port = static_cast<std::uint16_t>(r.get_in_range<int>(a, "port", "push.apns", 443, 1, 65535));
  apns.endpoint.ca_file = r.get<std::string>(a, "ca_file", "push.apns", "");
  apns.connections = r.get_in_range<std::size_t>(a, "connections", "push.apns", 1, 1, 64);
  const YAML::Node apps = a["apps"];
  if (!apps || !apps.IsSequence() || apps.size() == 0) r.fail(a, "push.apns.apps lists at least one app");
  for (const auto& app : apps) read_apns_app(r, app, apns);
}

void read_fcm(const Reader& r, const YAML::Node& f, push::FcmOptions& fcm) {
  r.only_keys(f, "push.fcm", {"host", "port", "ca_file", "token_url", "connections", "apps"});
  fcm.endpoint.host = r.get<std::string>(f, "host", "push.fcm", fcm.endpoint.host);
  fcm.endpoint.port = static_cast<std::uint16_t>(r.get_in_range<int>(f, "port", "push.fcm", 443, 1, 65535));
  fcm.endpoint.ca_file = r.get<std::string>(f, "ca_file", "push.fcm", "");
  fcm.token_url = r.get<std::string>(f, "token_url", "push.fcm", "");
  if (!fcm.token_url.empty() && !push::parse_https_url(fcm.token_url)) {
    r.fail(f["token_url"], "push.fcm.token_url must be an https:// URL");
  }
  fcm.connections = r.get_in_range<std::size_t>(f, "connections", "push.fcm", 1, 1, 64);
  const YAML::Node apps = f["apps"];
  if (!apps || !apps.IsSequence() || apps.size() == 0) r.fail(f, "push.fcm.apps lists at least one app");
  for (const auto& a : apps) {
    r.only_keys(a, "push.fcm.apps[]", {"name", "service_account_file", "android_channel_id"});
    push::FcmAppOptions app;
    app.name = r.get<std::string>(a, "name", "push.fcm.apps[]", "");
    app.service_account_file = r.get<std::string>(a, "service_account_file", "push.fcm.apps[]", "");
    app.android_channel_id = r.get<std::string>(a, "android_channel_id", "push.fcm.apps[]", "");
    if (app.name.empty() || app.service_account_file.empty()) {
      r.fail(a, "an FCM app needs a name and a service_account_file");
    }
    fcm.apps.push_back(std::move(app));
  }
}

// store.encryption: { key_file, previous_key_files: [...] }, each a base64 key.
void read_webpush(const Reader& r, const YAML::Node& w, push::WebPushOptions& webpush) {
  r.only_keys(w, "push.webpush", {"vapid", "allow_hosts", "ca_file", "connections_per_origin"});
  const auto vapid = w["vapid"];
  if (!vapid) r.fail(w, "push.webpush.vapid (key_file and subject) is required");
  r.only_keys(vapid, "push.webpush.vapid", {"key_file", "subject"});
  webpush.vapid_key_file = r.get<std::string>(vapid, "key_file", "push.webpush.vapid", "");
  if (webpush.vapid_key_file.empty()) {
    r.fail(vapid, "push.webpush.vapid.key_file is required (xpushctl webpush keygen writes one)");
  }
  webpush.subject = r.get<std::string>(vapid, "subject", "push.webpush.vapid", "");
  if (!webpush.subject.starts_with("mailto:") && !webpush.subject.starts_with("https://")) {
    r.fail(vapid["subject"] ? vapid["subject"] : vapid,
           "push.webpush.vapid.subject must be a mailto: or https: URL where push services can reach you");
  }
  try {
    if (auto v = push::Vapid::create(base::read_file(webpush.vapid_key_file, "VAPID key"), webpush.subject); !v) {
      r.fail(vapid["key_file"], webpush.vapid_key_file + ": " + v.error());
    }
  } catch (const std::runtime_error& err) {
    r.fail(vapid["key_file"], err.what());
  }
  webpush.allow_hosts = r.get<std::vector<std::string>>(w, "allow_hosts", "push.webpush", {});
  webpush.ca_file = r.get<std::string>(w, "ca_file", "push.webpush", "");
  webpush.connections_per_origin =
      r.get_in_range<std::size_t>(w, "connections_per_origin", "push.webpush", 4, 1, 64);
}

void read_webhook(const Reader& r, const YAML::Node& w, push::WebhookOptions& webhook) {
  r.only_keys(w, "push.webhook", {"url", "secret_file", "ca_file", "connections"});
  webhook.url = r.get<std::string>(w, "url", "push.webhook", "");
  if (auto url = push::parse_endpoint_url(webhook.url); !url) {
    r.fail(w["url"] ? w["url"] : w, "push.webhook.url must be an http:// or https:// URL");
  }
  webhook.secret_file = r.get<std::string>(w, "secret_file", "push.webhook", "");
  if (webhook.secret_file.empty()) r.fail(w, "push.webhook.secret_file is required (openssl rand -hex 32 > FILE)");
  if (auto secret = push::read_webhook_secret(webhook.secret_file); !secret) r.fail(w["secret_file"], secret.error());
  webhook.ca_file = r.get<std::string>(w, "ca_file", "push.webhook", "");
  webhook.connections = r.get_in_range<std::size_t>(w, "connections", "push.webhook", 4, 1, 64);
}

}  // namespace

void read_push(const Reader& r, const YAML::Node& p, Config& cfg) {
  r.only_keys(p, "push", {"provider", "log", "apns", "fcm", "webpush", "webhook", "hms", "honor", "xiaomi", "oppo", "vivo", "ttl_seconds", "retry", "badge", "max_in_flight",
                          "request_timeout_ms", "idle_ping_ms"});
  cfg.delivery.max_in_flight = static_cast<std::size_t>(
      r.get_in_range<int>(p, "max_in_flight", "push", 10'000, 1, 1'000'000));
  if (const auto badge = p["badge"]) {
    r.only_keys(badge, "push.badge", {"unread", "clear_on_return"});
    cfg.badge_unread = r.get<bool>(badge, "unread", "push.badge", true);
    cfg.clear_badge_on_return = r.get<bool>(badge, "clear_on_return", "push.badge", false);
  }
  cfg.notification_ttl = std::chrono::seconds{
      r.get_in_range<int>(p, "ttl_seconds", "push", 86'400, 0, 2'419'200)};
  if (const auto retry = p["retry"]) {
    r.only_keys(retry, "push.retry", {"initial_ms", "max_ms", "max_attempts", "poll_ms", "lease_ms"});
    auto& d = cfg.delivery;
    d.retry.backoff.initial = std::chrono::milliseconds{
        r.get_in_range<int>(retry, "initial_ms", "push.retry", 1000, 10, 3'600'000)};
    d.retry.backoff.max = std::chrono::milliseconds{
        r.get_in_range<int>(retry, "max_ms", "push.retry", 900'000, 10, 86'400'000)};
    d.retry.max_attempts = r.get_in_range<int>(retry, "max_attempts", "push.retry", 12, 1, 1000);
    d.poll_interval = std::chrono::milliseconds{
        r.get_in_range<int>(retry, "poll_ms", "push.retry", 1000, 10, 60'000)};
    d.lease = std::chrono::milliseconds{
        r.get_in_range<int>(retry, "lease_ms", "push.retry", 60'000, 500, 3'600'000)};
  }
  cfg.push_provider = r.get<std::string>(p, "provider", "push", cfg.push_provider);
  if (cfg.push_provider != "log" && cfg.push_provider != "direct") {
    r.fail(p["provider"], "push.provider must be 'log' or 'direct'");
  }
  if (const auto log = p["log"]) {
    r.only_keys(log, "push.log", {"path"});
    cfg.push_log_path = r.get<std::string>(log, "path", "push.log", cfg.push_log_path);
  }
  if (const auto apns = p["apns"]) read_apns(r, apns, cfg.apns);
  if (const auto fcm = p["fcm"]) read_fcm(r, fcm, cfg.fcm);
  if (const auto webpush = p["webpush"]) {
    read_webpush(r, webpush, cfg.webpush.emplace());
  }
  if (const auto webhook = p["webhook"]) read_webhook(r, webhook, cfg.webhook.emplace());
  read_vendors(r, p, cfg);
  // Connecting to a provider, and each request's answer, may take this long.
  const std::chrono::milliseconds timeout{r.get_in_range<int>(p, "request_timeout_ms", "push", 10'000, 100, 300'000)};
  // An idle connection is checked with a PING this often (0: never).
  const std::chrono::milliseconds idle_ping{r.get_in_range<int>(p, "idle_ping_ms", "push", 60'000, 0, 3'600'000)};
  for (auto* endpoint : {&cfg.apns.endpoint, &cfg.fcm.endpoint}) {
    endpoint->timeout = timeout;
    endpoint->idle_ping = idle_ping;
  }
  if (cfg.webpush) cfg.webpush->timeout = timeout;
  if (cfg.webhook) cfg.webhook->timeout = timeout;
  for (auto& vendor : cfg.vendors) vendor.timeout = timeout;
  for (auto& app : cfg.apns.apps) {
    if (!app.endpoint) continue;
    app.endpoint->timeout = timeout;
    app.endpoint->idle_ping = idle_ping;
  }
  if (cfg.push_provider == "direct" && cfg.apns.apps.empty() && cfg.fcm.apps.empty() && !cfg.webpush &&
      !cfg.webhook && cfg.vendors.empty()) {
    r.fail(p, "push.provider is direct but no provider is configured (push.apns, fcm, webpush, webhook, hms, honor,"
              " xiaomi, oppo or vivo)");
  }
}

}  // namespace xpush::config_detail
