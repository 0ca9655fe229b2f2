#include "push/aps.h"

namespace xpush::push {

using nlohmann::json;

namespace {

json alert_dictionary(const Notification& n, std::string_view title, std::string_view body) {
  json alert = json::object();
  if (!title.empty()) alert["title"] = title;
  if (!n.subtitle.empty()) alert["subtitle"] = n.subtitle;
  if (!body.empty()) alert["body"] = body;
  if (!n.title_loc_key.empty()) {
    alert["title-loc-key"] = n.title_loc_key;
    alert["title-loc-args"] = n.title_loc_args;
  }
  if (!n.loc_key.empty()) {
    alert["loc-key"] = n.loc_key;
    alert["loc-args"] = n.loc_args;
  }
  return alert;
}

}  // namespace

json aps_dictionary(const Notification& n, std::string_view title, std::string_view body) {
  json aps = json::object();
  if (n.kind == Kind::kBackground) {
    aps["content-available"] = 1;
    if (n.badge) aps["badge"] = *n.badge;  // a silent push may still set (or clear) the badge
    return aps;
  }
  if (auto alert = alert_dictionary(n, title, body); !alert.empty()) aps["alert"] = std::move(alert);
  if (!n.sound.empty()) aps["sound"] = n.sound;
  if (n.badge) aps["badge"] = *n.badge;
  if (!n.thread_id.empty()) aps["thread-id"] = n.thread_id;
  if (!n.category.empty()) aps["category"] = n.category;
  if (!n.interruption_level.empty()) aps["interruption-level"] = n.interruption_level;
  aps["mutable-content"] = 1;  // lets the app's service extension fetch the real message
  return aps;
}

std::string_view apns_push_type(Kind kind) {
  switch (kind) {
    case Kind::kAlert: return "alert";
    case Kind::kBackground: return "background";
    case Kind::kVoip: return "voip";
  }
  return "alert";
}

std::string_view apns_priority(const Notification& n) {
  return n.kind == Kind::kBackground || !n.high_priority ? "5" : "10";
}

}  // namespace xpush::push
