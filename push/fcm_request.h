// One FCM HTTP v1 request (POST /v1/projects/<id>/messages:send) from a
// notification, within FCM's 4096-byte limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <tl/expected.hpp>

#include "push/http_message.h"
#include "push/notification.h"

namespace xpush::push {

struct FcmApp {
  std::string name;
  std::string project_id;
  std::string android_channel_id;  // optional notification channel
  bool validate_only = false;      // FCM checks the request and sends nothing (xpushctl doctor)
};

inline constexpr std::size_t kFcmPayloadLimit = 4096;
inline constexpr std::chrono::seconds kFcmMaxTtl{2'419'200};  // four weeks

// `now` turns the notification's absolute expiry into FCM's relative ttl.
tl::expected<HttpRequest, std::string> build_fcm_request(const Notification& notification,
                                                         const FcmApp& app,
                                                         std::string_view access_token,
                                                         std::chrono::system_clock::time_point now);

// FCM refuses these data keys (from, message_type, google.*, gcm.notification.*).
bool fcm_reserved_data_key(std::string_view key);

}  // namespace xpush::push
