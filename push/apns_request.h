// One APNs provider API request (HTTP/2 POST /3/device/<token>) from a
// notification: the headers Apple documents and a payload within its limit.
#pragma once

#include <cstddef>
#include <string>

#include <tl/expected.hpp>

#include "push/http_message.h"
#include "push/notification.h"

namespace xpush::push {

struct ApnsApp {
  std::string name;
  std::string topic;  // the bundle id; VoIP pushes go to "<topic>.voip"
};

inline constexpr std::size_t kApnsPayloadLimit = 4096;
inline constexpr std::size_t kApnsVoipPayloadLimit = 5120;
inline constexpr std::size_t kApnsCollapseIdLimit = 64;

// `bearer` is the provider JWT for token auth; empty with certificate auth.
// Fails (with the reason) only when the payload cannot fit even without text.
tl::expected<HttpRequest, std::string> build_apns_request(const Notification& notification,
                                                          const ApnsApp& app,
                                                          std::string_view bearer);

// A collapse key within APNs' 64 bytes: kept as is when it fits, otherwise
// replaced by its SHA-256 in hex, so distinct keys stay distinct.
std::string apns_collapse_id(std::string_view key);

}  // namespace xpush::push
