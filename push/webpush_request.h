// One Web Push request (RFC 8030) from a notification: the JSON a service
// worker can show as it is, encrypted for the subscription (RFC 8291), with
// TTL, Urgency and Topic from the notification and the VAPID authorization
// (RFC 8292). And what the push service's answer means.
#pragma once

#include <chrono>
#include <string>

#include <tl/expected.hpp>

#include "push/address_guard.h"
#include "push/ece.h"
#include "push/http_message.h"
#include "push/notification.h"

namespace xpush::push {

// A subscription as a browser's PushSubscription.toJSON() gives it.
struct Subscription {
  std::string endpoint;
  std::string p256dh;  // base64url, as given
  std::string auth;
};

// The device token of a Web Push device: the subscription as canonical JSON
// ({"endpoint":…,"keys":{"auth":…,"p256dh":…}}), so that the same
// subscription is the same token.
std::string subscription_token(const Subscription& subscription);
tl::expected<Subscription, std::string> parse_subscription_token(std::string_view token);

// Everything a registration must pass: the endpoint under `policy`, the keys
// on the curve and of the right size.
tl::expected<Subscription, std::string> checked_subscription(Subscription subscription,
                                                             const EndpointPolicy& policy);

// The JSON the service worker receives, within kMaxWebPushPlaintext (text
// cut at grapheme clusters).
tl::expected<std::string, std::string> webpush_payload(const Notification& notification);

// RFC 8030 §5.4: "Topic" is at most 32 characters of base64url. A collapse
// key that is not is hashed into one.
std::string webpush_topic(std::string_view collapse_key);

struct WebPushTarget {
  EndpointUrl url;
  SubscriptionKeys keys;
};

// The request without its body and authorization: what the dry run shows.
HttpRequest webpush_request_head(const Notification& notification, std::string target,
                                 std::chrono::system_clock::time_point now);

// `authorization`: the VAPID header for the endpoint's origin.
tl::expected<HttpRequest, std::string> build_webpush_request(const Notification& notification,
                                                             const WebPushTarget& target,
                                                             std::string_view authorization,
                                                             std::chrono::system_clock::time_point now,
                                                             const EceOptions& ece = {});

// 201 delivered; 404 / 410 the subscription is gone; 413 too large; 429 and
// 5xx retried (Retry-After honoured); 400 / 401 / 403 our configuration.
PushResult interpret_webpush_response(const HttpResponse& response,
                                      std::chrono::system_clock::time_point now);

}  // namespace xpush::push
