// A rules decision made into the notification for one device: the alert of
// the device's platform, the push type the action implies, the rule's TTL.
// Shared by the app server and the dry run (`xpushctl rules test`), so what
// the dry run prints is what a phone gets.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "push/notification.h"
#include "rules/decision.h"
#include "store/registration.h"

namespace xpush {

push::Device device_of(const store::Registration& registration);

// id, recipient, node and created_at are left for the caller.
push::Notification notification_from_decision(const rules::Decision& decision, push::Device device,
                                              std::chrono::seconds default_ttl);

// Puts a rendered alert's fields on the notification (all of them).
void apply_alert(push::Notification& notification, const rules::Alert& alert);
// The rules' alert for a device of `platform`.
const rules::Alert& alert_for(push::Platform platform, const rules::PlatformAlerts& alerts);

// An alert whose rule set no badge shows the recipient's unread count, when
// it is known (at most 99,999).
void apply_unread_badge(push::Notification& notification, std::optional<std::int64_t> unread);

// An incoming call for an Apple device goes to PushKit with the device's
// VoIP token; a device that registered none gets a time-sensitive alert.
void route_call(push::Notification& notification, const std::string& voip_token);

}  // namespace xpush
