#include "push/apns_request.h"

#include "base/hex.h"

#include <openssl/evp.h>

#include <array>
#include <nlohmann/json.hpp>

#include "push/payload_fit.h"

namespace xpush::push {

namespace {

using nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string_view push_type(Kind kind) {
  switch (kind) {
    case Kind::kAlert: return "alert";
    case Kind::kBackground: return "background";
    case Kind::kVoip: return "voip";
  }
  return "alert";
}

// Apple: 10 delivers at once and must show something; a content-available
// push alone must use 5.
std::string_view priority(Kind kind) { return kind == Kind::kBackground ? "5" : "10"; }

json aps_for(const Notification& n, std::string_view title, std::string_view body) {
  json aps = json::object();
  if (n.kind == Kind::kBackground) {
    aps["content-available"] = 1;
    return aps;
  }
  json alert = json::object();
  alert["title"] = title;
  if (!body.empty()) alert["body"] = body;
  aps["alert"] = std::move(alert);
  if (!n.sound.empty()) aps["sound"] = n.sound;
  if (n.badge) aps["badge"] = *n.badge;
  if (!n.thread_id.empty()) aps["thread-id"] = n.thread_id;
  aps["mutable-content"] = 1;  // lets the app's service extension fetch the real message
  return aps;
}

}  // namespace

std::string apns_collapse_id(std::string_view key) {
  if (key.size() <= kApnsCollapseIdLimit) return std::string{key};
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), md.data(), &len, EVP_sha256(), nullptr);
  return base::to_hex(md.data(), len);
}

tl::expected<HttpRequest, std::string> build_apns_request(const Notification& raw, const ApnsApp& app,
                                                          std::string_view bearer) {
  const Notification n = sanitized(raw);
  const auto render = [&n](std::string_view title, std::string_view body) {
    json payload = json::object();
    for (const auto& [key, value] : n.data) {
      if (key != "aps") payload[key] = value;  // custom keys beside aps
    }
    payload["aps"] = aps_for(n, title, body);
    return dump(payload);
  };
  const auto limit = n.kind == Kind::kVoip ? kApnsVoipPayloadLimit : kApnsPayloadLimit;
  auto fitted = fit_payload(limit, n.title, n.body, render);
  if (!fitted) return tl::unexpected("payload larger than " + std::to_string(limit) + " bytes");

  HttpRequest request;
  request.path = "/3/device/" + n.device.token;
  auto& h = request.headers;
  if (!bearer.empty()) h.emplace_back("authorization", "bearer " + std::string{bearer});
  h.emplace_back("apns-topic", n.kind == Kind::kVoip ? app.topic + ".voip" : app.topic);
  h.emplace_back("apns-push-type", push_type(n.kind));
  h.emplace_back("apns-priority", priority(n.kind));
  const auto expires = std::chrono::duration_cast<std::chrono::seconds>(
      (n.created_at + n.ttl).time_since_epoch());
  h.emplace_back("apns-expiration", std::to_string(std::max<long long>(expires.count(), 0)));
  if (!n.collapse_key.empty()) h.emplace_back("apns-collapse-id", apns_collapse_id(n.collapse_key));
  if (!n.id.empty()) h.emplace_back("apns-id", n.id);
  h.emplace_back("content-type", "application/json");
  request.body = std::move(fitted->json);
  return request;
}

}  // namespace xpush::push
