// Helpers for rules tests: offline events from stanzas and publishes, and
// the example rules file.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "interceptor/jid.h"
#include "interceptor/offline_event.h"
#include "interceptor/push_publish.h"
#include "rules/loader.h"
#include "tests/unit/interceptor/test_util.h"

namespace xpush::rules::testing {

using interceptor::testing::parse_stanza;

inline interceptor::OfflineEvent stanza_event(const interceptor::Element& message) {
  interceptor::OfflineEvent e;
  e.source = interceptor::EventSource::kForwardedStanza;
  e.stanza = message;
  auto to = interceptor::Jid::parse(message.attr_or("to"));
  e.recipient = to ? to->bare() : "";
  e.node = "node-1";
  return e;
}

inline interceptor::OfflineEvent summary_event(const interceptor::Element& publish_iq,
                                               std::string recipient = "alice@example.org") {
  interceptor::OfflineEvent e;
  auto request = interceptor::parse_publish(publish_iq);
  EXPECT_TRUE(request) << (request ? "" : request.error());
  if (request) {
    e.summary = request->summary;
    e.node = request->node;
  }
  e.recipient = std::move(recipient);
  return e;
}

inline std::shared_ptr<const RuleSet> load_or_fail(const std::string& yaml) {
  auto loaded = load_rules_text(yaml, "rules.yaml");
  if (!loaded) {
    for (const auto& e : loaded.error()) ADD_FAILURE() << e;
    return nullptr;
  }
  return *loaded;
}

// 2026-06-15 12:00 UTC (14:00 in Berlin): outside any night-time quiet hours.
inline std::chrono::system_clock::time_point noon() {
  return std::chrono::sys_days{std::chrono::year{2026} / 6 / 15} + std::chrono::hours{12};
}

// What the built-in rules decide for an offline stanza, at noon.
inline Decision builtin_decision(const std::string& stanza) {
  return builtin_rules()->evaluate(stanza_event(parse_stanza(stanza)), noon());
}

}  // namespace xpush::rules::testing
