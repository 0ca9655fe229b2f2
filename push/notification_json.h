// A notification as JSON, for the outbox: everything needed to send it
// again after a restart.
#pragma once

#include <string>

#include <tl/expected.hpp>

#include "push/notification.h"

namespace xpush::push {

std::string to_json(const Notification& notification);
tl::expected<Notification, std::string> notification_from_json(std::string_view json);

}  // namespace xpush::push
