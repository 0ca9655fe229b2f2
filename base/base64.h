// Unpadded base64url (RFC 4648 §5), as JWTs and our node names use it.
#pragma once

#include <string>
#include <string_view>

namespace xpush::base {

std::string base64url(std::string_view bytes);

}  // namespace xpush::base
