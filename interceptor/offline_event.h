// What the interceptor hands on: one message (or summary of messages) for a
// user who is offline. The rules decide on it; nothing here knows of HTTP.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "interceptor/element.h"

namespace xpush::interceptor {

enum class EventSource {
  kPushSummary,     // a XEP-0357 publish: the server's summary only
  kForwardedStanza, // the whole offline <message/>
};

// The urn:xmpp:push:summary form. Prosody always sends every field (message
// count "1", the rest possibly empty); ejabberd sends only what applies, or
// no form at all.
struct PushSummary {
  bool present = false;
  std::optional<std::string> message_count;
  std::optional<std::string> pending_subscription_count;
  std::string last_message_sender;
  std::string last_message_body;
  // Tigase's extensions to the notification (tigase:push:*:0), which Tigase
  // servers add for their clients (SiskinIM, Stork).
  std::string priority;  // "high": the server says a person should see it
  struct Jingle {        // a XEP-0353 call: propose, retract, accept, ...
    std::string action;
    std::string sid;
    std::vector<std::string> media;
  };
  std::optional<Jingle> jingle;
  struct Encrypted {  // AES-128-GCM for the app to open; never read here
    std::string payload;
    std::string iv;
    std::string type;  // "voip" for a call
  };
  std::optional<Encrypted> encrypted;
};

struct OfflineEvent {
  EventSource source = EventSource::kPushSummary;
  std::string recipient;      // bare JID of the registered account
  std::string server_domain;  // the server that told us
  std::string node;
  PushSummary summary;
  std::optional<Element> stanza;  // kForwardedStanza only
  std::chrono::system_clock::time_point received_at{};
};

}  // namespace xpush::interceptor
