// xpush.yaml: what an operator configures. Loading validates everything and
// reports problems as "file:line:column: what was expected".
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "interceptor/component_link.h"
#include "engine/dispatcher.h"
#include "engine/registration_limits.h"
#include "engine/retention.h"
#include "store/open_store.h"
#include "push/apns_provider.h"
#include "push/fcm_provider.h"
#include "push/vendor_provider.h"
#include "push/webhook_provider.h"
#include "push/webpush_provider.h"

namespace xpush {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Config {
  interceptor::LinkOptions link;
  std::string component_secret_file;  // where link.session.secret came from, if a file
  // Server domains allowed to register devices and publish; empty: any
  // domain reaching us through the component link.
  std::vector<std::string> server_domains;
  store::StoreLocation store;
  std::vector<std::string> store_key_files;  // store.encryption's, the current one first
  RetentionOptions retention;
  std::string push_provider = "log";  // "log", or "direct": APNs and FCM as configured
  std::string push_log_path = "-";
  push::ApnsOptions apns;
  push::FcmOptions fcm;
  std::optional<push::WebPushOptions> webpush;  // off unless configured
  std::optional<push::WebhookOptions> webhook;  // off unless configured
  std::vector<push::VendorOptions> vendors;      // the Android vendor channels configured
  DispatcherOptions delivery;
  std::chrono::seconds notification_ttl{std::chrono::hours{24}};
  AbuseLimits limits;
  // How long a registration that verified a publish is trusted without a
  // store read (store.registration_cache_seconds; 0: every publish reads).
  std::chrono::milliseconds registration_cache{10'000};
  bool badge_unread = true;
  bool clear_badge_on_return = false;
  // rules.yaml; empty: the built-in rules. Reloaded on SIGHUP and when it
  // changes (checked every rules_watch_interval; 0: SIGHUP only).
  std::string rules_path;
  std::chrono::milliseconds rules_watch_interval{1000};
  std::string log_level = "info";
  // Admin HTTP (status page, /health, /metrics): off when admin_port is 0.
  std::string admin_address = "127.0.0.1";
  std::uint16_t admin_port = 0;
  // A bearer token every admin request must carry (required beyond loopback).
  std::string admin_token_file;
};

// Throws ConfigError.
Config load_config_file(const std::string& path);
Config load_config_text(const std::string& yaml, const std::string& name = "<config>");

}  // namespace xpush
