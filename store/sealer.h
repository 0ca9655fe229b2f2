// Sealing of stored bodies: AES-256-GCM with a random 96-bit nonce, the row's
// owner (account or notification id) as associated data so a sealed body
// cannot be moved to another row, and the key's id in the clear so that keys
// can be rotated: new rows are sealed with the current key, older ones are
// opened with whichever configured key sealed them.
//
//   xpush-sealed:1:<key id>:<base64(nonce | ciphertext | tag)>
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

namespace xpush::store {

struct SealingKey {
  std::string id;  // the first 8 hex digits of the key's SHA-256
  std::array<unsigned char, 32> bytes{};
};

// `text`: 32 bytes in standard base64 (what `openssl rand -base64 32` prints).
tl::expected<SealingKey, std::string> sealing_key_from_base64(std::string_view text);

class Sealer {
 public:
  // keys.front() seals; every key opens.
  explicit Sealer(std::vector<SealingKey> keys) : keys_(std::move(keys)) {}

  std::string seal(std::string_view plain, std::string_view owner) const;
  // Text that is not sealed (written before sealing was configured) comes
  // back as it is.
  tl::expected<std::string, std::string> open(std::string_view stored, std::string_view owner) const;

  static bool is_sealed(std::string_view stored);

 private:
  std::vector<SealingKey> keys_;
};

}  // namespace xpush::store
