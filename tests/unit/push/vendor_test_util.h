// Shared by the vendor channel tests: a notification, an app, a form's
// fields and an HTTP answer, as the vendors' examples have them.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "push/vendor_api.h"
#include "push/vendor_common.h"

namespace xpush::push::vendor_test {

using std::chrono::hours;
using std::chrono::seconds;

inline const TimePoint kT0{seconds{1'800'000'000}};

inline Notification alert(Platform platform, std::string token) {
  Notification n;
  n.id = "7e43fae7-3b7b-493c-998b-ae3bfb3784e4";
  n.device = {platform, std::move(token), ""};
  n.kind = Kind::kAlert;
  n.title = "Bob";
  n.body = "Lunch?";
  n.sound = "default";
  n.data = {{"chat", "bob@example.org"}};
  n.created_at = kT0;
  n.ttl = hours{1};
  return n;
}

inline VendorApp app() {
  return VendorApp{.name = "chat", .app_id = "10004", .client_id = "", .app_key = "", .package = "org.example.chat",
                   .secret = "s3cret/+&=", .channel_id = "messages", .category = "IM"};
}

// The form's fields, decoded.
inline std::map<std::string, std::string> form_fields(std::string_view body) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : form_decode(body)) out[name] = value;
  return out;
}

inline HttpResponse answer(int status, std::string body) { return HttpResponse{status, {}, std::move(body)}; }

}  // namespace xpush::push::vendor_test
