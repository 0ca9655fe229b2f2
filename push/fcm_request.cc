#include "push/fcm_request.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "push/apns_request.h"
#include "push/aps.h"
#include "push/payload_fit.h"

namespace xpush::push {

namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::chrono::seconds remaining_ttl(const Notification& n, std::chrono::system_clock::time_point now) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(n.created_at + n.ttl - now);
  return std::clamp(left, std::chrono::seconds{0}, kFcmMaxTtl);
}

json android_notification(const Notification& n, const FcmApp& app) {
  json notification = json::object();
  if (!app.android_channel_id.empty()) notification["channel_id"] = app.android_channel_id;
  if (!n.sound.empty()) notification["sound"] = n.sound;
  if (!n.category.empty()) notification["click_action"] = n.category;
  if (n.badge) notification["notification_count"] = *n.badge;
  // The tray entry a correction or retraction of the same message replaces.
  if (!n.tag.empty()) notification["tag"] = n.tag;
  if (!n.title_loc_key.empty()) {
    notification["title_loc_key"] = n.title_loc_key;
    notification["title_loc_args"] = n.title_loc_args;
  }
  if (!n.loc_key.empty()) {
    notification["body_loc_key"] = n.loc_key;
    notification["body_loc_args"] = n.loc_args;
  }
  return notification;
}

json android_block(const Notification& n, const FcmApp& app, std::chrono::seconds ttl) {
  // HIGH is what wakes a phone in Doze, for alerts and background syncs alike.
  json android = {{"priority", n.high_priority ? "HIGH" : "NORMAL"},
                  {"ttl", std::to_string(ttl.count()) + "s"}};
  if (!n.collapse_key.empty()) android["collapse_key"] = n.collapse_key;
  if (n.kind == Kind::kAlert && !n.call) {
    json notification = android_notification(n, app);
    if (!notification.empty()) android["notification"] = std::move(notification);
  }
  return android;
}

// iOS devices reached through FCM: the same rules as direct APNs.
json apns_block(const Notification& n, std::string_view title, std::string_view body) {
  // FCM has no VoIP: a call reaches iOS through FCM as an alert.
  Notification shown = n;
  if (shown.kind == Kind::kVoip) shown.kind = Kind::kAlert;
  json headers = {{"apns-priority", apns_priority(shown)},
                  {"apns-push-type", apns_push_type(shown.kind)}};
  if (!n.collapse_key.empty() || !n.tag.empty()) {
    headers["apns-collapse-id"] = apns_collapse_id(n.collapse_key.empty() ? n.tag : n.collapse_key);
  }
  // FCM lets apns.payload override message.notification, so aps.alert
  // repeats the text beside what only APNs has (subtitle, loc keys).
  return {{"headers", std::move(headers)}, {"payload", {{"aps", aps_dictionary(shown, title, body)}}}};
}

}  // namespace

bool fcm_reserved_data_key(std::string_view key) {
  return key == "from" || key == "message_type" || key.starts_with("google.") ||
         key.starts_with("gcm.notification.");
}

tl::expected<HttpRequest, std::string> build_fcm_request(const Notification& raw, const FcmApp& app,
                                                         std::string_view access_token,
                                                         std::chrono::system_clock::time_point now) {
  const Notification n = sanitized(raw);
  const auto ttl = remaining_ttl(n, now);
  const auto render = [&](std::string_view title, std::string_view body) {
    json message = {{"token", n.device.token}};
    if (n.kind == Kind::kAlert && !n.call && (!title.empty() || !body.empty())) {
      json notification = json::object();
      if (!title.empty()) notification["title"] = title;
      if (!body.empty()) notification["body"] = body;
      message["notification"] = std::move(notification);
    }
    json data = json::object();  // values must be strings: numbers get 400 INVALID_ARGUMENT
    for (const auto& [key, value] : n.data) {
      if (!fcm_reserved_data_key(key)) data[key] = value;
    }
    if (n.call) {  // the app's call screen shows the text
      if (!title.empty()) data["title"] = title;
      if (!body.empty()) data["body"] = body;
    }
    if (!data.empty()) message["data"] = std::move(data);
    message["android"] = android_block(n, app, ttl);
    message["apns"] = apns_block(n, title, body);
    json request = {{"message", std::move(message)}};
    if (app.validate_only) request["validate_only"] = true;
    return dump(request);
  };
  auto fitted = fit_payload(kFcmPayloadLimit, n.title, n.body, render);
  if (!fitted) return tl::unexpected("message larger than " + std::to_string(kFcmPayloadLimit) + " bytes");

  HttpRequest request;
  request.path = "/v1/projects/" + app.project_id + "/messages:send";
  request.headers.emplace_back("authorization", "Bearer " + std::string{access_token});
  request.headers.emplace_back("content-type", "application/json");
  request.body = std::move(fitted->json);
  return request;
}

}  // namespace xpush::push
