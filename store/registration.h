// A device registered for push, and the node/secret pair that the user's
// server uses to publish for it.
#pragma once

#include <cstdint>
#include <string>

namespace xpush::store {

struct Registration {
  std::string node;
  std::string secret;
  std::string account;    // bare JID that registered
  std::string domain;     // the only server allowed to publish for this node
  std::string device_id;
  std::string muc;        // empty unless registered for one MUC
  std::string platform;   // "apns" | "fcm"
  std::string token;
  std::string app;        // configured app name; empty: the default app
  bool enabled = true;
  std::string disabled_reason;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
};

}  // namespace xpush::store
