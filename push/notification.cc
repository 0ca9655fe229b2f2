#include "push/notification.h"

namespace xpush::push {

std::string_view to_string(Platform platform) {
  return platform == Platform::kApns ? "apns" : "fcm";
}

std::string_view to_string(Kind kind) {
  switch (kind) {
    case Kind::kAlert: return "alert";
    case Kind::kBackground: return "background";
    case Kind::kVoip: return "voip";
  }
  return "background";
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDelivered: return "delivered";
    case Outcome::kRetry: return "retry";
    case Outcome::kRefreshAuth: return "refresh-auth";
    case Outcome::kTokenInvalid: return "token-invalid";
    case Outcome::kRejected: return "rejected";
  }
  return "rejected";
}

}  // namespace xpush::push
