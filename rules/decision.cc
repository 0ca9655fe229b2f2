#include "rules/decision.h"

namespace xpush::rules {

std::string_view to_string(Action action) {
  switch (action) {
    case Action::kDrop: return "drop";
    case Action::kSilent: return "silent";
    case Action::kAlert: return "alert";
  }
  return "drop";
}

namespace {
bool is_important(const interceptor::OfflineEvent& event) {
  if (event.source == interceptor::EventSource::kForwardedStanza && event.stanza) {
    return !event.stanza->child_text("body", event.stanza->ns()).empty();
  }
  return !event.summary.last_message_body.empty();
}
}  // namespace

Decision builtin_decision(const interceptor::OfflineEvent& event) {
  if (is_important(event)) {
    return Decision{Action::kAlert, "builtin:important", std::string{kDefaultAlertTitle}, {}};
  }
  return Decision{Action::kSilent, "builtin:background", {}, {}};
}

}  // namespace xpush::rules
