// XEP-0114 handshake: lower-case hex SHA-1 over (stream id || shared secret).
// Lower case matters: ejabberd compares exactly against its own digest.
#pragma once

#include <string>
#include <string_view>

namespace xpush::interceptor {

std::string handshake_digest(std::string_view stream_id, std::string_view secret);

}  // namespace xpush::interceptor
