// The signed webhook: a notification POSTed as JSON to the operator's own
// receiver (an aggregator's gateway, an in-house system), with
//   X-Xpush-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   Idempotency-Key: <notification id>   (the same on every retry)
// so the receiver can check who sent it, refuse replays outside its window
// and drop a retried duplicate (docs/webhook.md).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "push/http_message.h"
#include "push/notification.h"

namespace xpush::push {

inline constexpr std::size_t kWebhookBodyLimit = 4096;

// The JSON the receiver gets, text cut at grapheme clusters to the limit.
tl::expected<std::string, std::string> webhook_body(const Notification& notification);

// "t=<t>,v1=<hex>" over "<t>.<body>".
std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

tl::expected<HttpRequest, std::string> build_webhook_request(const Notification& notification,
                                                             std::string_view secret,
                                                             std::chrono::system_clock::time_point now);

// 2xx delivered; 410 the device is gone; 429 and 5xx retried (Retry-After
// honoured); anything else rejected.
PushResult interpret_webhook_response(const HttpResponse& response, std::chrono::system_clock::time_point now);

}  // namespace xpush::push
