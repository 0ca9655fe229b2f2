#include "engine/secrets.h"

#include "base/base64.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace xpush {

namespace {
std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return out;
}

std::array<unsigned char, 32> sha256(std::string_view data) {
  std::array<unsigned char, 32> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return md;
}
}  // namespace

std::string random_token(std::size_t bytes) {
  const auto raw = random_bytes(bytes);
  return base::base64url(std::string_view{reinterpret_cast<const char*>(raw.data()), raw.size()});
}

std::string random_uuid() {
  auto b = random_bytes(16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return out;
}

bool secrets_equal(std::string_view expected, std::string_view given) {
  const auto a = sha256(expected);
  const auto b = sha256(given);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xpush
