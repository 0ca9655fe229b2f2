// A device registered for push, and the node/secret pair that the user's
// server uses to publish for it. Only a hash of the secret is kept: a copy
// of the database does not let anyone publish (docs/store.md#secrets).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace xpush::store {

struct Registration {
  std::string node;
  std::string secret_hash;           // node_secret_hash() of the secret last issued
  std::string previous_secret_hash;  // of the one before it, still accepted; may be empty
  std::string account;    // bare JID that registered
  std::string domain;     // the only server allowed to publish for this node
  std::string device_id;
  std::string muc;        // empty unless registered for one MUC
  std::string platform;   // "apns" | "fcm"
  std::string token;
  std::string voip_token;  // APNs: the app's PushKit token for calls; may be empty
  std::string app;        // configured app name; empty: the default app
  bool enabled = true;
  std::string disabled_reason;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

// "sha256:" and the lower-case hex SHA-256 of the secret. Secrets are 192
// random bits, so a plain hash cannot be searched back.
std::string node_secret_hash(std::string_view secret);

}  // namespace xpush::store
