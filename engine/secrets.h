// Random identifiers from OpenSSL's CSPRNG, and constant-time comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/secrets_equal.h"
#include "store/registration.h"

namespace xpush {

// `bytes` random bytes as unpadded base64url (p2 uses 9 bytes for a node and
// 18 for a secret; we use more).
std::string random_token(std::size_t bytes);
// A random RFC 4122 version 4 UUID, lower case.
std::string random_uuid();
// Constant time (base/secrets_equal.h).
using base::secrets_equal;

// Whether `given` is the secret issued last for this registration, or the
// one before it (an app that registered again but has not yet enabled push
// with the new secret). A device registered without a secret (Tigase
// clients) takes any publish from its server.
bool node_secret_matches(const store::Registration& registration, std::string_view given);

inline constexpr std::size_t kNodeBytes = 12;
inline constexpr std::size_t kSecretBytes = 24;

}  // namespace xpush
