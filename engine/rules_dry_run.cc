#include "engine/rules_dry_run.h"

#include <nlohmann/json.hpp>

#include "engine/notification_from_decision.h"
#include "push/apns_request.h"
#include "push/fcm_request.h"
#include "push/vendor_api.h"
#include "push/webhook_request.h"
#include "push/webpush_request.h"

namespace xpush {

namespace {

std::string request_text(const tl::expected<push::HttpRequest, std::string>& request) {
  if (!request) return "(not sendable: " + request.error() + ")\n";
  std::string out = request->method + " " + request->path + "\n";
  for (const auto& [name, value] : request->headers) {
    if (name != "authorization") out += name + ": " + value + "\n";
  }
  const auto pretty = [](const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    return j.is_discarded() ? text : j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  if (request->header("content-type") == "application/x-www-form-urlencoded") {
    out += "\n";
    for (const auto& [name, value] : push::form_decode(request->body)) out += name + " = " + pretty(value) + "\n";
    return out;
  }
  out += "\n" + pretty(request->body) + "\n";
  return out;
}

push::Notification example(const rules::Decision& d, push::Platform platform, const DryRunOptions& o) {
  auto n = notification_from_decision(d, push::Device{platform, o.device_token, ""}, o.default_ttl);
  n.id = "00000000-0000-4000-8000-000000000000";
  n.created_at = o.now;
  return n;
}

}  // namespace

std::string describe_decision(const rules::Decision& d, const DryRunOptions& o) {
  std::string out = "rule: " + d.rule + "\naction: " + std::string{rules::to_string(d.action)} + "\n";
  if (!d.modifier.empty()) out += "changed by: " + d.modifier + "\n";
  if (d.throttle) {
    const auto apns = d.throttle->digest(3).apns;
    out += "throttle: one alert per " + std::to_string(d.throttle->window.count()) +
           "s per device; 3 more inside the window would send: \"" + apns.title + "\" / \"" + apns.body + "\"\n";
  }
  if (d.action == rules::Action::kDrop) return out + "nothing is sent\n";
  if (o.apns) {
    out += "\n--- APNs (token auth adds authorization: bearer <provider token>)\n";
    out += request_text(push::build_apns_request(example(d, push::Platform::kApns, o),
                                                 push::ApnsApp{"", o.apns_topic}, ""));
  }
  if (o.fcm) {
    out += "\n--- FCM HTTP v1 (adds authorization: Bearer <access token>)\n";
    out += request_text(push::build_fcm_request(example(d, push::Platform::kFcm, o),
                                                push::FcmApp{"", o.fcm_project, ""}, "", o.now));
  }
  if (o.webpush) {
    out += "\n--- Web Push (the body below is encrypted for the subscription; adds authorization: vapid t=…, k=…)\n";
    const auto n = example(d, push::Platform::kWebPush, o);
    auto request = push::webpush_request_head(n, "/<the subscription's endpoint>", o.now);
    auto payload = push::webpush_payload(n);
    if (!payload) return out + "(not sendable: " + payload.error() + ")\n";
    request.body = std::move(*payload);
    out += request_text(request);
  }
  if (o.webhook) {
    out += "\n--- Webhook (adds x-xpush-signature: t=…,v1=… and idempotency-key)\n";
    auto body = push::webhook_body(example(d, push::Platform::kWebhook, o));
    if (!body) return out + "(not sendable: " + body.error() + ")\n";
    out += request_text(push::HttpRequest{.path = "<push.webhook.url>",
                                          .headers = {{"content-type", "application/json"}},
                                          .body = std::move(*body)});
  }
  for (const auto platform : o.vendors) {
    const auto api = push::vendor_api(platform);
    if (!api) continue;
    const push::VendorApp app{.name = "", .app_id = "APP_ID", .client_id = "", .app_key = "APP_KEY",
                              .package = "PACKAGE", .secret = "SECRET", .channel_id = "CHANNEL_ID", .category = "IM"};
    out += "\n--- " + std::string{push::to_string(platform)} +
           " (to the configured api_url; adds the app's credentials; the app's channel_id and category"
           " where the rules set none)\n";
    out += request_text(api->send_request(example(d, platform, o), app, "<access token>", o.now));
  }
  return out;
}

}  // namespace xpush
