// Unpadded base64url (RFC 4648 §5), as JWTs, our node names and Web Push
// subscriptions use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xpush::base {

std::string base64url(std::string_view bytes);

// Accepts base64url with or without '=' padding (browsers give either);
// nullopt for any other character or an impossible length.
std::optional<std::string> from_base64url(std::string_view text);

// Standard base64 (RFC 4648 §4, '+' and '/'), as HTTP Basic credentials
// carry it; nullopt like from_base64url.
std::optional<std::string> from_base64(std::string_view text);

}  // namespace xpush::base
