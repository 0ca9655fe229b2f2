// A component link handed from one process to the next across exec(): the
// connected socket travels as an inherited descriptor, and this text says
// which link it is and where its stream stands. Only plain TCP links can be
// handed over (a TLS session's state cannot leave OpenSSL).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "interceptor/component_session.h"

namespace xpush::interceptor {

struct LinkHandover {
  int fd = -1;  // the connected socket; not part of the encoded text
  std::string component_domain;
  std::string host;
  std::uint16_t port = 0;
  StreamHandover stream;
};

// Length-prefixed fields, so that any bytes (a header with newlines, a
// half-received stanza) survive.
std::string encode_handover(const LinkHandover& handover);
tl::expected<LinkHandover, std::string> decode_handover(std::string_view text);

}  // namespace xpush::interceptor
