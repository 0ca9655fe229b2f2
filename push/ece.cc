#include "push/ece.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <memory>

#include "base/base64.h"

namespace xpush::push {

namespace {

constexpr std::size_t kPointBytes = 65;
constexpr std::size_t kAuthBytes = 16;
constexpr std::size_t kSaltBytes = 16;
constexpr std::uint32_t kRecordSize = 4096;

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using Group = std::unique_ptr<EC_GROUP, Free<EC_GROUP, EC_GROUP_free>>;
using Point = std::unique_ptr<EC_POINT, Free<EC_POINT, EC_POINT_free>>;
using Bn = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_clear_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// The curve, built once: building it costs more than a point multiplication.
// Only read afterwards, from any thread.
const EC_GROUP* p256() {
  static const Group group{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)};
  return group.get();
}

// nullptr unless `encoded` is an uncompressed point on the curve.
Point point_from(std::string_view encoded) {
  if (encoded.size() != kPointBytes || encoded[0] != 0x04) return nullptr;
  Point p{EC_POINT_new(p256())};
  if (!p || EC_POINT_oct2point(p256(), p.get(), bytes(encoded), encoded.size(), nullptr) != 1 ||
      EC_POINT_is_on_curve(p256(), p.get(), nullptr) != 1) {
    return nullptr;
  }
  return p;
}

std::string encoded(const EC_POINT* p) {
  std::string out(kPointBytes, '\0');
  if (EC_POINT_point2oct(p256(), p, POINT_CONVERSION_UNCOMPRESSED, bytes(out), out.size(), nullptr) != kPointBytes) {
    return {};
  }
  return out;
}

// Our side of one message's key agreement: a scalar and its point.
struct SenderKey {
  Bn scalar;
  std::string public_point;
};

tl::expected<SenderKey, std::string> sender_key(const EceSenderSecrets* fixed) {
  Bn scalar{fixed ? BN_bin2bn(bytes(fixed->private_key), static_cast<int>(fixed->private_key.size()), nullptr)
                  : BN_secure_new()};
  if (!scalar) return tl::unexpected(std::string{"out of memory"});
  if (!fixed) {
    do {
      if (BN_priv_rand_range(scalar.get(), EC_GROUP_get0_order(p256())) != 1) {
        return tl::unexpected(std::string{"no random P-256 key"});
      }
    } while (BN_is_zero(scalar.get()));
  }
  BN_set_flags(scalar.get(), BN_FLG_CONSTTIME);
  const Point p{EC_POINT_new(p256())};
  if (!p || EC_POINT_mul(p256(), p.get(), scalar.get(), nullptr, nullptr, nullptr) != 1) {
    return tl::unexpected(std::string{"the sender key is not a P-256 scalar"});
  }
  auto point = encoded(p.get());
  if (point.empty()) return tl::unexpected(std::string{"the sender key is not a P-256 scalar"});
  return SenderKey{std::move(scalar), std::move(point)};
}

// The x coordinate of scalar·Q (SEC 1 §3.3.1, as ECDH gives it).
tl::expected<std::string, std::string> ecdh(const BIGNUM* scalar, std::string_view their_point) {
  const Point theirs = point_from(their_point);
  const Point shared{EC_POINT_new(p256())};
  const Bn x{BN_new()};
  std::string secret(32, '\0');
  if (!theirs || !shared || !x || EC_POINT_mul(p256(), shared.get(), nullptr, theirs.get(), scalar, nullptr) != 1 ||
      EC_POINT_get_affine_coordinates(p256(), shared.get(), x.get(), nullptr, nullptr) != 1 ||
      BN_bn2binpad(x.get(), bytes(secret), static_cast<int>(secret.size())) != 32) {
    return tl::unexpected(std::string{"ECDH with the subscription's key failed"});
  }
  return secret;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), bytes(data), data.size(), bytes(out), &len);
  return out;
}

// HKDF-Expand for a single block (RFC 5869), all RFC 8291 needs.
std::string expand(std::string_view prk, std::string info, std::size_t length) {
  info += '\x01';
  return hmac_sha256(prk, info).substr(0, length);
}

tl::expected<std::string, std::string> aes128gcm(std::string_view key, std::string_view nonce,
                                                 std::string_view plaintext) {
  CipherCtx ctx{EVP_CIPHER_CTX_new()};
  std::string out(plaintext.size() + kEceTagBytes, '\0');
  int len = 0;
  int tail = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, bytes(key), bytes(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), bytes(out), &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), bytes(out) + len, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kEceTagBytes, bytes(out) + plaintext.size()) != 1) {
    return tl::unexpected(std::string{"AES-128-GCM failed"});
  }
  return out;
}

std::size_t padded_length(std::size_t plaintext, bool to_bucket) {
  if (!to_bucket) return plaintext + 1;
  for (const std::size_t bucket : kPaddingBuckets) {
    if (plaintext + 1 <= bucket) return bucket;
  }
  return plaintext + 1;
}

}  // namespace

tl::expected<SubscriptionKeys, std::string> subscription_keys(std::string_view p256dh_b64,
                                                              std::string_view auth_b64) {
  auto point = base::from_base64url(p256dh_b64);
  if (!point || !point_from(*point)) {
    return tl::unexpected(std::string{"p256dh is not an uncompressed P-256 point in base64url"});
  }
  auto auth = base::from_base64url(auth_b64);
  if (!auth || auth->size() != kAuthBytes) {
    return tl::unexpected(std::string{"auth is not 16 bytes in base64url"});
  }
  return SubscriptionKeys{std::move(*point), std::move(*auth)};
}

tl::expected<std::string, std::string> encrypt_aes128gcm(std::string_view plaintext,
                                                         const SubscriptionKeys& keys,
                                                         const EceOptions& options) {
  if (plaintext.size() > kMaxWebPushPlaintext) {
    return tl::unexpected("the payload is " + std::to_string(plaintext.size()) + " bytes, more than the " +
                          std::to_string(kMaxWebPushPlaintext) + " a push message holds");
  }
  auto sender = sender_key(options.fixed);
  if (!sender) return tl::unexpected(sender.error());
  std::string salt(kSaltBytes, '\0');
  if (options.fixed) {
    salt = options.fixed->salt;
  } else if (RAND_bytes(bytes(salt), static_cast<int>(salt.size())) != 1) {
    return tl::unexpected(std::string{"no random salt"});
  }
  auto shared = ecdh(sender->scalar.get(), keys.p256dh);
  if (!shared) return tl::unexpected(shared.error());

  // RFC 8291 §3.3 and §3.4.
  const std::string prk_key = hmac_sha256(keys.auth, *shared);
  std::string key_info = "WebPush: info";
  key_info += '\0';
  key_info += keys.p256dh;
  key_info += sender->public_point;
  const std::string ikm = expand(prk_key, key_info, 32);
  const std::string prk = hmac_sha256(salt, ikm);
  const std::string cek = expand(prk, std::string{"Content-Encoding: aes128gcm", 27} + '\0', 16);
  const std::string nonce = expand(prk, std::string{"Content-Encoding: nonce", 23} + '\0', 12);

  std::string record{plaintext};
  record += '\x02';  // the last (only) record's delimiter, then zeros
  record.resize(padded_length(plaintext.size(), options.pad_to_bucket), '\0');
  auto sealed = aes128gcm(cek, nonce, record);
  if (!sealed) return tl::unexpected(sealed.error());

  std::string body = salt;
  for (int shift = 24; shift >= 0; shift -= 8) body += static_cast<char>((kRecordSize >> shift) & 0xff);
  body += static_cast<char>(kPointBytes);
  body += sender->public_point;
  body += *sealed;
  return body;
}

}  // namespace xpush::push
