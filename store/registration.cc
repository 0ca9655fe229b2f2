#include "store/registration.h"

#include <openssl/sha.h>

#include "base/hex.h"

namespace xpush::store {

std::string node_secret_hash(std::string_view secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  return "sha256:" + base::to_hex(digest, sizeof digest);
}

}  // namespace xpush::store
