#include "push/ece.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
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
using Bn = std::unique_ptr<BIGNUM, Free<BIGNUM, BN_free>>;
using Pkey = std::unique_ptr<EVP_PKEY, Free<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Free<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Free<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using ParamBld = std::unique_ptr<OSSL_PARAM_BLD, Free<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Free<OSSL_PARAM, OSSL_PARAM_free>>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Group p256() { return Group{EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)}; }

bool on_curve(std::string_view point) {
  if (point.size() != kPointBytes || point[0] != 0x04) return false;
  const Group group = p256();
  const Point p{EC_POINT_new(group.get())};
  return group && p && EC_POINT_oct2point(group.get(), p.get(), bytes(point), point.size(), nullptr) == 1 &&
         EC_POINT_is_on_curve(group.get(), p.get(), nullptr) == 1;
}

// An EVP key from raw parts: a public point, and the private scalar if any.
Pkey ec_key(std::string_view public_point, std::string_view private_scalar) {
  ParamBld bld{OSSL_PARAM_BLD_new()};
  Bn priv{private_scalar.empty() ? nullptr
                                 : BN_bin2bn(bytes(private_scalar), static_cast<int>(private_scalar.size()), nullptr)};
  if (!bld || (!private_scalar.empty() && !priv)) return nullptr;
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, public_point.data(),
                                       public_point.size()) != 1 ||
      (priv && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1)) {
    return nullptr;
  }
  Params params{OSSL_PARAM_BLD_to_param(bld.get())};
  PkeyCtx ctx{EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)};
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return nullptr;
  }
  return Pkey{key};
}

// priv·G, uncompressed.
std::string public_point_of(std::string_view private_scalar) {
  const Group group = p256();
  const Point p{EC_POINT_new(group.get())};
  const Bn priv{BN_bin2bn(bytes(private_scalar), static_cast<int>(private_scalar.size()), nullptr)};
  std::string out(kPointBytes, '\0');
  if (!p || !priv || EC_POINT_mul(group.get(), p.get(), priv.get(), nullptr, nullptr, nullptr) != 1 ||
      EC_POINT_point2oct(group.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, bytes(out), out.size(), nullptr) !=
          kPointBytes) {
    return {};
  }
  return out;
}

struct SenderKey {
  Pkey key;
  std::string public_point;
};

tl::expected<SenderKey, std::string> sender_key(const EceSenderSecrets* fixed) {
  if (fixed) {
    auto point = public_point_of(fixed->private_key);
    Pkey key = point.empty() ? nullptr : ec_key(point, fixed->private_key);
    if (!key) return tl::unexpected(std::string{"the fixed sender key is not a P-256 scalar"});
    return SenderKey{std::move(key), std::move(point)};
  }
  Pkey key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  std::string point(kPointBytes, '\0');
  std::size_t len = 0;
  if (!key || EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, bytes(point),
                                              point.size(), &len) != 1 || len != kPointBytes) {
    return tl::unexpected(std::string{"cannot make a P-256 key"});
  }
  return SenderKey{std::move(key), std::move(point)};
}

tl::expected<std::string, std::string> ecdh(EVP_PKEY* ours, std::string_view their_point) {
  const Pkey theirs = ec_key(their_point, {});
  PkeyCtx ctx{EVP_PKEY_CTX_new(ours, nullptr)};
  std::string secret(32, '\0');
  std::size_t len = secret.size();
  if (!theirs || !ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), theirs.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), bytes(secret), &len) != 1 || len != 32) {
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
  if (!point || !on_curve(*point)) {
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
  auto shared = ecdh(sender->key.get(), keys.p256dh);
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
