#include "engine/notification_from_decision.h"

#include <algorithm>

namespace xpush {

namespace {
push::Kind kind_for(rules::Action action) {
  switch (action) {
    case rules::Action::kAlert: return push::Kind::kAlert;
    case rules::Action::kVoip: return push::Kind::kVoip;
    case rules::Action::kSilent:
    case rules::Action::kDrop: break;
  }
  return push::Kind::kBackground;
}
}  // namespace

push::Device device_of(const store::Registration& registration) {
  return push::Device{push::platform_named(registration.platform).value_or(push::Platform::kFcm),
                      registration.token, registration.app};
}

const rules::Alert& alert_for(push::Platform platform, const rules::PlatformAlerts& alerts) {
  switch (platform) {
    case push::Platform::kApns: return alerts.apns;
    case push::Platform::kFcm: return alerts.fcm;
    case push::Platform::kWebPush: return alerts.webpush;
    case push::Platform::kWebhook: return alerts.webhook;
    case push::Platform::kHms:
    case push::Platform::kHonor:
    case push::Platform::kXiaomi:
    case push::Platform::kOppo:
    case push::Platform::kVivo: return alerts.vendor;
  }
  return alerts.fcm;
}

void apply_alert(push::Notification& n, const rules::Alert& a) {
  n.title = a.title;
  n.subtitle = a.subtitle;
  n.body = a.body;
  n.title_loc_key = a.title_loc_key;
  n.title_loc_args = a.title_loc_args;
  n.loc_key = a.loc_key;
  n.loc_args = a.loc_args;
  n.sound = a.sound;
  n.badge = a.badge;
  n.thread_id = a.thread_id;
  n.category = a.category;
  n.collapse_key = a.collapse_key;
  n.interruption_level = a.interruption_level;
  n.high_priority = a.priority == rules::Priority::kHigh;
  n.data = a.data;
  n.channel_id = a.channel_id;
  n.importance = a.importance;
  n.vendor_category = a.vendor_category;
}

void apply_unread_badge(push::Notification& n, std::optional<std::int64_t> unread) {
  if (unread && !n.badge && n.kind == push::Kind::kAlert) {
    n.badge = static_cast<int>(std::min<std::int64_t>(*unread, 99'999));
  }
}

push::Notification notification_from_decision(const rules::Decision& decision, push::Device device,
                                              std::chrono::seconds default_ttl) {
  push::Notification n;
  n.device = std::move(device);
  n.kind = kind_for(decision.action);
  apply_alert(n, alert_for(n.device.platform, {decision.apns, decision.fcm, decision.webpush, decision.webhook, decision.vendor}));
  n.rule = decision.rule;
  n.tag = decision.tag;
  n.ttl = decision.ttl.value_or(default_ttl);
  for (const auto& [key, value] : decision.passthrough) n.data[key] = value;  // as the server sent them
  if (decision.call) {
    const auto& call = *decision.call;
    n.call = push::Notification::Call{call.id, call.ended, call.media};
    n.data["event"] = call.ended ? "call-ended" : "call";
    n.data["call_id"] = call.id;
    if (!call.media.empty()) n.data["media"] = call.media;
  }
  return n;
}

void route_call(push::Notification& n, const std::string& voip_token) {
  if (n.kind != push::Kind::kVoip || n.device.platform != push::Platform::kApns) return;
  if (!voip_token.empty()) {
    n.device.token = voip_token;
    return;
  }
  n.kind = push::Kind::kAlert;
  if (n.interruption_level.empty()) n.interruption_level = "time-sensitive";
}

}  // namespace xpush
