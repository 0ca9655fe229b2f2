// What an APNs or FCM answer means for the notification and the device,
// as data (PROTOCOL.md §4.6 and §5.3).
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "push/http_message.h"
#include "push/notification.h"

namespace xpush::push {

PushResult interpret_apns_response(const HttpResponse& response,
                                   std::chrono::system_clock::time_point now);
PushResult interpret_fcm_response(const HttpResponse& response,
                                  std::chrono::system_clock::time_point now);

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

// FCM asks for at least a minute's pause after QUOTA_EXCEEDED.
inline constexpr std::chrono::seconds kFcmQuotaPause{60};

}  // namespace xpush::push
