// xpush.yaml, push.hms / honor / xiaomi / oppo / vivo: the Android phone
// makers' push services, each with its endpoints and apps.
#include "engine/config_reader.h"
#include "push/vendor_provider.h"

namespace xpush::config_detail {

namespace {

// Which app fields a vendor needs besides name and secret_file.
struct Needs {
  bool app_id = false;
  bool app_key = false;
  bool package = false;
  bool channel_id = false;
};

Needs needs_of(push::Platform p) {
  switch (p) {
    case push::Platform::kHms:
    case push::Platform::kHonor: return {.app_id = true};
    case push::Platform::kXiaomi: return {.package = true, .channel_id = true};
    case push::Platform::kOppo: return {.app_key = true};
    case push::Platform::kVivo: return {.app_id = true, .app_key = true};
    default: return {};
  }
}

void read_vendor_app(const Reader& r, const YAML::Node& a, const std::string& where, push::Platform platform,
                     push::VendorOptions& vendor) {
  r.only_keys(a, where, {"name", "app_id", "client_id", "app_key", "package", "secret_file", "channel_id", "category"});
  push::VendorAppOptions app;
  app.name = r.get<std::string>(a, "name", where, "");
  app.app_id = r.get<std::string>(a, "app_id", where, "");
  app.client_id = r.get<std::string>(a, "client_id", where, "");
  app.app_key = r.get<std::string>(a, "app_key", where, "");
  app.package = r.get<std::string>(a, "package", where, "");
  app.secret_file = r.get<std::string>(a, "secret_file", where, "");
  app.channel_id = r.get<std::string>(a, "channel_id", where, "");
  app.category = r.get<std::string>(a, "category", where, app.category);
  if (app.name.empty() || app.secret_file.empty()) r.fail(a, "a " + where + " app needs a name and a secret_file");
  const Needs needs = needs_of(platform);
  const auto need = [&](bool needed, const std::string& value, const char* key) {
    if (needed && value.empty()) r.fail(a, where + " app '" + app.name + "' needs " + key);
  };
  need(needs.app_id, app.app_id, "app_id");
  need(needs.app_key, app.app_key, "app_key");
  need(needs.package, app.package, "package (the Android package name)");
  need(needs.channel_id, app.channel_id, "channel_id (Xiaomi requires a notification channel)");
  if (auto secret = push::read_vendor_secret(app.secret_file); !secret) r.fail(a["secret_file"], secret.error());
  vendor.apps.push_back(std::move(app));
}

void read_vendor(const Reader& r, const YAML::Node& v, push::Platform platform, push::VendorOptions& vendor) {
  const std::string where = "push." + std::string{push::to_string(platform)};
  r.only_keys(v, where, {"api_url", "auth_url", "ca_file", "connections", "apps"});
  vendor.platform = platform;
  vendor.api_url = r.get<std::string>(v, "api_url", where, "");
  vendor.auth_url = r.get<std::string>(v, "auth_url", where, "");
  for (const char* key : {"api_url", "auth_url"}) {
    const std::string url = r.get<std::string>(v, key, where, "");
    if (!url.empty() && !push::parse_endpoint_url(url)) r.fail(v[key], where + "." + key + " must be an http(s):// URL");
  }
  if (platform == push::Platform::kXiaomi && v["auth_url"]) r.fail(v["auth_url"], "Xiaomi has no auth_url");
  vendor.ca_file = r.get<std::string>(v, "ca_file", where, "");
  vendor.connections = r.get_in_range<std::size_t>(v, "connections", where, 4, 1, 64);
  const YAML::Node apps = v["apps"];
  if (!apps || !apps.IsSequence() || apps.size() == 0) r.fail(v, where + ".apps lists at least one app");
  for (const auto& a : apps) read_vendor_app(r, a, where + ".apps[]", platform, vendor);
}

}  // namespace

void read_vendors(const Reader& r, const YAML::Node& p, Config& cfg) {
  for (const auto platform : push::kAllPlatforms) {
    if (!push::is_vendor(platform)) continue;
    if (const auto v = p[std::string{push::to_string(platform)}]) read_vendor(r, v, platform, cfg.vendors.emplace_back());
  }
}

}  // namespace xpush::config_detail
