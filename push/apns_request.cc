#include "push/apns_request.h"

#include "base/hex.h"

#include <openssl/evp.h>

#include <array>
#include <nlohmann/json.hpp>

#include "push/aps.h"
#include "push/payload_fit.h"

namespace xpush::push {

namespace {

using nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
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
    payload["aps"] = aps_dictionary(n, title, body);
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
  h.emplace_back("apns-push-type", apns_push_type(n.kind));
  h.emplace_back("apns-priority", apns_priority(n));
  const auto expires = std::chrono::duration_cast<std::chrono::seconds>(
      (n.created_at + n.ttl).time_since_epoch());
  h.emplace_back("apns-expiration", std::to_string(std::max<long long>(expires.count(), 0)));
  // Without a collapse key of its own, a notification collapses with the
  // message it stands for (a correction or retraction replaces it), or else
  // with itself: if it is ever sent twice (a crash between APNs' answer and
  // the outbox update), the phone still shows it once.
  const std::string& collapse = !n.collapse_key.empty() ? n.collapse_key : !n.tag.empty() ? n.tag : n.id;
  h.emplace_back("apns-collapse-id", apns_collapse_id(collapse));
  if (!n.id.empty()) h.emplace_back("apns-id", n.id);
  h.emplace_back("content-type", "application/json");
  request.unique_per_request = {":path", "apns-expiration", "apns-collapse-id", "apns-id"};
  request.body = std::move(fitted->json);
  return request;
}

}  // namespace xpush::push
