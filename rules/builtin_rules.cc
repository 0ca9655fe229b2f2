#include "rules/loader.h"

#include <stdexcept>

namespace xpush::rules {

// Prosody sends its summary's last-message-body placeholder only for
// messages with a body or an encrypted payload, and ejabberd sends no summary
// for receipts, so a non-empty body is the signal of a message people write.
// A retraction (seen through the forwarding hook) replaces the original's
// notification with a neutral one; its body is only a fallback text. A call
// rings for a minute at most; when it ends, a passive notice replaces it. A
// payload only the app can open (Tigase's encrypted pushes) alerts with a
// neutral text the app's extension replaces once it has opened it.
std::string_view builtin_rules_yaml() {
  return R"(version: 1
rules:
  - name: builtin:call
    match:
      kind: call
    action: voip
    ttl: 60s
    alert:
      title: Incoming call
      sound: default
      interruption_level: time-sensitive
      vendor_category: VOIP
  - name: builtin:missed-call
    match:
      kind: call-ended
      child: { ns: "urn:xmpp:jingle-message:0", name: retract }
    action: alert
    alert:
      title: Missed call
      interruption_level: passive
      importance: low
  - name: builtin:call-ended
    match:
      kind: call-ended
    action: alert
    alert:
      title: Call ended
      interruption_level: passive
      importance: low
  - name: builtin:encrypted
    match:
      encrypted: true
    action: alert
    alert:
      title: New message
  - name: builtin:retraction
    match:
      kind: retraction
    action: alert
    alert:
      title: Message deleted
      interruption_level: passive
      importance: low
  - name: builtin:important
    match:
      body: { empty: false }
    action: alert
    alert:
      title: New message
default:
  name: builtin:background
  action: silent
)";
}

std::shared_ptr<const RuleSet> builtin_rules() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    auto loaded = load_rules_text(builtin_rules_yaml(), "<builtin rules>");
    if (!loaded) throw std::logic_error("the built-in rules do not load: " + loaded.error().front());
    return *loaded;
  }();
  return rules;
}

}  // namespace xpush::rules
