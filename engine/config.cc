#include "engine/config.h"

#include "base/read_file.h"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace xpush {

namespace {

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what) const {
    const auto& m = node.Mark();
    throw ConfigError(name_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
                      ": " + what);
  }

  void only_keys(const YAML::Node& map, const std::string& where,
                 std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) fail(map, where + " must be a mapping");
    const std::set<std::string_view> keys(allowed);
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      // yaml-cpp keeps the first of two equal keys without a word.
      if (!seen.insert(key).second) fail(kv.first, "duplicate key '" + key + "' in " + where);
      if (!keys.count(key)) {
        std::string expected;
        for (auto k : allowed) expected += (expected.empty() ? "" : ", ") + std::string{k};
        fail(kv.first, "unknown key '" + key + "' in " + where + " (expected one of: " + expected + ")");
      }
    }
  }

  template <class T>
  T get(const YAML::Node& map, const char* key, const std::string& where, T fallback) const {
    const YAML::Node node = map[key];
    if (!node) return fallback;
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, where + "." + key + " has the wrong type");
    }
  }

  template <class T>
  T get_in_range(const YAML::Node& map, const char* key, const std::string& where, T fallback,
                 T low, T high) const {
    const T value = get<T>(map, key, where, fallback);
    if (value < low || value > high) {
      fail(map[key], where + "." + key + " must be between " + std::to_string(low) + " and " +
                         std::to_string(high));
    }
    return value;
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

std::string read_secret_file(const std::string& path) {
  std::string text;
  try {
    text = base::read_file(path, "component.secret_file");
  } catch (const std::runtime_error& e) {
    throw ConfigError(e.what());
  }
  return text.substr(0, text.find('\n'));
}

void read_component(const Reader& r, const YAML::Node& c, Config& cfg) {
  r.only_keys(c, "component",
              {"domain", "secret", "secret_file", "host", "port", "tls", "keepalive_seconds",
               "reconnect", "max_stanza_bytes", "handshake_timeout_seconds",
               "answer_timeout_seconds", "ping_to"});
  auto& link = cfg.link;
  link.session.component_domain = r.get<std::string>(c, "domain", "component", "");
  if (link.session.component_domain.empty()) r.fail(c, "component.domain is required");
  link.session.secret = r.get<std::string>(c, "secret", "component", "");
  if (c["secret_file"]) {
    link.session.secret = read_secret_file(r.get<std::string>(c, "secret_file", "component", ""));
  }
  if (link.session.secret.empty()) r.fail(c, "component.secret or component.secret_file is required");
  link.host = r.get<std::string>(c, "host", "component", link.host);
  link.port = static_cast<std::uint16_t>(r.get_in_range<int>(c, "port", "component", link.port, 1, 65535));
  link.keepalive = std::chrono::seconds{
      r.get_in_range<int>(c, "keepalive_seconds", "component", 30, 1, 60)};
  link.handshake_timeout = std::chrono::seconds{
      r.get_in_range<int>(c, "handshake_timeout_seconds", "component", 10, 1, 300)};
  link.answer_timeout = std::chrono::seconds{
      r.get_in_range<int>(c, "answer_timeout_seconds", "component", 30, 1, 600)};
  link.ping_to = r.get<std::string>(c, "ping_to", "component", "");
  link.session.limits.max_stanza_bytes = r.get_in_range<std::size_t>(
      c, "max_stanza_bytes", "component", link.session.limits.max_stanza_bytes, 4096,
      64 * 1024 * 1024);
  if (const auto rc = c["reconnect"]) {
    r.only_keys(rc, "component.reconnect", {"initial_ms", "max_ms"});
    link.reconnect.initial = std::chrono::milliseconds{
        r.get_in_range<int>(rc, "initial_ms", "component.reconnect", 500, 10, 60'000)};
    link.reconnect.max = std::chrono::milliseconds{
        r.get_in_range<int>(rc, "max_ms", "component.reconnect", 30'000, 10, 600'000)};
  }
  if (const auto tls = c["tls"]) {
    r.only_keys(tls, "component.tls", {"enabled", "verify", "ca_file", "server_name"});
    link.tls.enabled = r.get<bool>(tls, "enabled", "component.tls", false);
    link.tls.verify = r.get<bool>(tls, "verify", "component.tls", true);
    link.tls.ca_file = r.get<std::string>(tls, "ca_file", "component.tls", "");
    link.tls.server_name = r.get<std::string>(tls, "server_name", "component.tls", "");
  }
}

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
void read_encryption(const Reader& r, const YAML::Node& e, store::StoreLocation& location) {
  r.only_keys(e, "store.encryption", {"key_file", "previous_key_files"});
  std::vector<std::string> files{r.get<std::string>(e, "key_file", "store.encryption", "")};
  if (files.front().empty()) r.fail(e, "store.encryption.key_file is required");
  for (auto& f : r.get<std::vector<std::string>>(e, "previous_key_files", "store.encryption", {})) files.push_back(f);
  for (const auto& file : files) {
    std::string text;
    try {
      text = base::read_file(file, "store.encryption key");
    } catch (const std::runtime_error& err) {
      r.fail(e, err.what());
    }
    auto key = store::sealing_key_from_base64(text);
    if (!key) r.fail(e, file + ": " + key.error());
    location.sealing_keys.push_back(*key);
  }
}

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

void read_push(const Reader& r, const YAML::Node& p, Config& cfg) {
  r.only_keys(p, "push", {"provider", "log", "apns", "fcm", "webpush", "webhook", "ttl_seconds", "retry", "badge", "max_in_flight",
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
  for (auto& app : cfg.apns.apps) {
    if (!app.endpoint) continue;
    app.endpoint->timeout = timeout;
    app.endpoint->idle_ping = idle_ping;
  }
  if (cfg.push_provider == "direct" && cfg.apns.apps.empty() && cfg.fcm.apps.empty() && !cfg.webpush &&
      !cfg.webhook) {
    r.fail(p, "push.provider is direct but none of push.apns, push.fcm, push.webpush and push.webhook is configured");
  }
}

void read_limits(const Reader& r, const YAML::Node& l, AbuseLimits& limits) {
  r.only_keys(l, "limits", {"devices_per_account", "notifications_per_event", "registrations_per_minute"});
  limits.devices_per_account = r.get_in_range<std::size_t>(
      l, "devices_per_account", "limits", limits.devices_per_account, 1, 10'000);
  limits.notifications_per_event = r.get_in_range<std::size_t>(
      l, "notifications_per_event", "limits", limits.notifications_per_event, 1, 10'000);
  const auto per_minute = r.get_in_range<std::size_t>(l, "registrations_per_minute", "limits",
                                                      limits.registration_burst, 1, 60'000);
  limits.registration_burst = per_minute;
  limits.registration_refill = std::chrono::milliseconds{60'000 / per_minute};
}

Config read(const YAML::Node& root, const Reader& r) {
  Config cfg;
  if (!root.IsMap()) r.fail(root, "the configuration must be a mapping");
  r.only_keys(root, "the top level",
              {"component", "xmpp", "store", "rules", "push", "limits", "log", "admin"});
  if (!root["component"]) r.fail(root, "the 'component' section is required");
  read_component(r, root["component"], cfg);
  if (const auto x = root["xmpp"]) {
    r.only_keys(x, "xmpp", {"server_domains"});
    cfg.server_domains = r.get<std::vector<std::string>>(x, "server_domains", "xmpp", {});
  }
  if (const auto s = root["store"]) {
    r.only_keys(s, "store", {"sqlite", "postgresql", "instance", "encryption", "retention_days", "purge_interval_seconds",
                             "registration_cache_seconds"});
    cfg.registration_cache = std::chrono::seconds{
        r.get_in_range<int>(s, "registration_cache_seconds", "store", 10, 0, 3'600)};
    if (const auto e = s["encryption"]) read_encryption(r, e, cfg.store);
    cfg.retention.keep = std::chrono::hours{24 * r.get_in_range<int>(s, "retention_days", "store", 90, 0, 36'500)};
    cfg.retention.every = std::chrono::seconds{
        r.get_in_range<int>(s, "purge_interval_seconds", "store", 600, 1, 86'400)};
    cfg.delivery.instance = r.get<std::string>(s, "instance", "store", "");
    if (const auto sqlite = s["sqlite"]) {
      r.only_keys(sqlite, "store.sqlite", {"path"});
      cfg.store.sqlite_path = r.get<std::string>(sqlite, "path", "store.sqlite", cfg.store.sqlite_path);
    }
    if (const auto pg = s["postgresql"]) {
      if (s["sqlite"]) r.fail(pg, "store: configure either sqlite or postgresql, not both");
      r.only_keys(pg, "store.postgresql", {"dsn", "timeout_ms"});
      cfg.store.postgresql_timeout = std::chrono::milliseconds{
          r.get_in_range<int>(pg, "timeout_ms", "store.postgresql", 30'000, 100, 600'000)};
      cfg.store.postgresql_dsn = r.get<std::string>(pg, "dsn", "store.postgresql", "");
      if (cfg.store.postgresql_dsn.empty()) r.fail(pg, "store.postgresql.dsn is required (a libpq connection string)");
    }
  }
  if (const auto rules = root["rules"]) {
    r.only_keys(rules, "rules", {"file", "watch_ms"});
    cfg.rules_path = r.get<std::string>(rules, "file", "rules", "");
    cfg.rules_watch_interval = std::chrono::milliseconds{
        r.get_in_range<int>(rules, "watch_ms", "rules", 1000, 0, 3'600'000)};
  }
  if (const auto p = root["push"]) read_push(r, p, cfg);
  if (const auto l = root["limits"]) read_limits(r, l, cfg.limits);
  if (const auto a = root["admin"]) {
    r.only_keys(a, "admin", {"address", "port", "allow_remote"});
    cfg.admin_address = r.get<std::string>(a, "address", "admin", cfg.admin_address);
    cfg.admin_port = static_cast<std::uint16_t>(r.get_in_range<int>(a, "port", "admin", 0, 0, 65535));
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(cfg.admin_address, ec);
    if (ec) r.fail(a["address"], "admin.address must be an IP address");
    if (!address.is_loopback() && !r.get<bool>(a, "allow_remote", "admin", false)) {
      r.fail(a["address"], "admin.address is not loopback; set admin.allow_remote: true to expose it");
    }
  }
  if (const auto l = root["log"]) {
    r.only_keys(l, "log", {"level"});
    cfg.log_level = r.get<std::string>(l, "level", "log", cfg.log_level);
    static const std::set<std::string> kLevels{"trace", "debug", "info", "warn", "error"};
    if (!kLevels.count(cfg.log_level)) r.fail(l["level"], "log.level must be trace, debug, info, warn or error");
  }
  return cfg;
}

}  // namespace

Config load_config_text(const std::string& yaml, const std::string& name) {
  const Reader reader{name};
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return read(root, reader);
}

Config load_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read configuration file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return load_config_text(text.str(), path);
}

}  // namespace xpush
