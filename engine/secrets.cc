#include "engine/secrets.h"

#include "base/base64.h"

#include <openssl/rand.h>

#include <array>
#include <cstring>
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

}  // namespace

std::string random_token(std::size_t bytes) {
  const auto raw = random_bytes(bytes);
  return base::base64url(std::string_view{reinterpret_cast<const char*>(raw.data()), raw.size()});
}

std::string random_uuid() {
  // One notification id per publish: drawn from a per-thread block of
  // CSPRNG output, as one RAND_bytes call per id cost more than the rules.
  struct Pool {
    std::array<unsigned char, 4096> bytes{};
    std::size_t used = sizeof bytes;
  };
  thread_local Pool pool;
  if (pool.used + 16 > pool.bytes.size()) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(pool.bytes.size())) != 1) {
      throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    pool.used = 0;
  }
  unsigned char b[16];
  std::memcpy(b, pool.bytes.data() + pool.used, sizeof b);
  OPENSSL_cleanse(pool.bytes.data() + pool.used, sizeof b);  // each id is handed out once
  pool.used += sizeof b;
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  for (std::size_t i = 0, at = 0; i < sizeof b; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dashes, already in place
    out[at++] = kHex[b[i] >> 4];
    out[at++] = kHex[b[i] & 0x0f];
  }
  return out;
}

bool node_secret_matches(const store::Registration& registration, std::string_view given) {
  if (registration.secret_hash.empty()) return true;  // registered without one (Tigase clients)
  if (given.empty()) return false;
  const auto hash = store::node_secret_hash(given);
  const bool current = secrets_equal(registration.secret_hash, hash);
  const bool previous = !registration.previous_secret_hash.empty() &&
                        secrets_equal(registration.previous_secret_hash, hash);
  return current || previous;
}

}  // namespace xpush
