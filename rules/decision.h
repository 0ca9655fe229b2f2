// What to do with an offline event, and which rule said so.
#pragma once

#include <string>

#include "interceptor/offline_event.h"

namespace xpush::rules {

enum class Action {
  kDrop,    // nothing reaches the phone
  kSilent,  // a background wake so the app can fetch, no alert
  kAlert,   // a visible notification
};

std::string_view to_string(Action action);

struct Decision {
  Action action = Action::kDrop;
  std::string rule;  // name of the deciding rule, for logs and dry runs
  std::string title;
  std::string body;
};

// The built-in policy, used until a rules file is configured: the de-facto
// signal of importance is a non-empty last-message-body (Prosody sends its
// placeholder only for messages with a body or encrypted payload, ejabberd
// sends no summary for receipts). Important events alert with a generic text
// and never the message body; the rest wake the app silently.
Decision builtin_decision(const interceptor::OfflineEvent& event);

inline constexpr std::string_view kDefaultAlertTitle = "New message";

}  // namespace xpush::rules
