#include "interceptor/handshake.h"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "base/hex.h"

namespace xpush::interceptor {

std::string handshake_digest(std::string_view stream_id, std::string_view secret) {
  std::string input;
  input.reserve(stream_id.size() + secret.size());
  input.append(stream_id).append(secret);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int md_len = 0;
  if (EVP_Digest(input.data(), input.size(), md.data(), &md_len, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 unavailable in OpenSSL");
  }
  return base::to_hex(md.data(), md_len);
}

}  // namespace xpush::interceptor
