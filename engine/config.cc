#include "engine/config.h"

#include "base/read_file.h"
#include "engine/config_reader.h"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace xpush {

namespace {

using config_detail::Reader;

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
    cfg.component_secret_file = r.get<std::string>(c, "secret_file", "component", "");
    link.session.secret = read_secret_file(cfg.component_secret_file);
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

void read_encryption(const Reader& r, const YAML::Node& e, store::StoreLocation& location,
                     std::vector<std::string>& key_files) {
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
    key_files.push_back(file);
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
    if (const auto e = s["encryption"]) read_encryption(r, e, cfg.store, cfg.store_key_files);
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
    r.only_keys(a, "admin", {"address", "port", "allow_remote", "token_file"});
    cfg.admin_address = r.get<std::string>(a, "address", "admin", cfg.admin_address);
    cfg.admin_token_file = r.get<std::string>(a, "token_file", "admin", "");
    cfg.admin_port = static_cast<std::uint16_t>(r.get_in_range<int>(a, "port", "admin", 0, 0, 65535));
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(cfg.admin_address, ec);
    if (ec) r.fail(a["address"], "admin.address must be an IP address");
    if (!address.is_loopback() && !r.get<bool>(a, "allow_remote", "admin", false)) {
      r.fail(a["address"], "admin.address is not loopback; set admin.allow_remote: true to expose it");
    }
    if (!address.is_loopback() && cfg.admin_token_file.empty()) {
      r.fail(a["address"], "admin.address is not loopback; set admin.token_file to a file holding a bearer token");
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
