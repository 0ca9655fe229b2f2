// The parts of an APNs request that direct APNs and FCM's apns block share:
// the aps dictionary, the push type and the priority Apple documents.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "push/notification.h"

namespace xpush::push {

// `title` and `body` are passed apart so that they can be cut to fit.
nlohmann::json aps_dictionary(const Notification& n, std::string_view title, std::string_view body);
std::string_view apns_push_type(Kind kind);
// Apple: 10 delivers at once and must show something; a content-available
// push alone must use 5, and 5 lets the device save power on an alert.
std::string_view apns_priority(const Notification& n);

}  // namespace xpush::push
