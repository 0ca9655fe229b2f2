// Message encryption for Web Push (RFC 8291): the "aes128gcm" content coding
// of RFC 8188 with a key agreed between a fresh P-256 key of ours and the
// subscription's, mixed with the subscription's auth secret. One record,
// padded so that the length a push service sees tells little.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace xpush::push {

// What a browser or UnifiedPush distributor hands its app server.
struct SubscriptionKeys {
  std::string p256dh;  // 65 bytes: an uncompressed point on P-256
  std::string auth;    // 16 bytes
};

// Raw bytes from the base64url the subscription carries, checked: the point
// must lie on the curve and the auth secret be 16 bytes.
tl::expected<SubscriptionKeys, std::string> subscription_keys(std::string_view p256dh_b64,
                                                              std::string_view auth_b64);

// The push message body is at most this (RFC 8030 §7.2: services must accept
// 4096 bytes), the 86-byte header included.
inline constexpr std::size_t kMaxWebPushBody = 4096;
inline constexpr std::size_t kEceHeaderBytes = 86;  // salt 16, rs 4, idlen 1, key 65
inline constexpr std::size_t kEceTagBytes = 16;
// The longest plaintext that fits: one byte goes to the padding delimiter.
inline constexpr std::size_t kMaxWebPushPlaintext = kMaxWebPushBody - kEceHeaderBytes - kEceTagBytes - 1;

// Padded plaintext lengths (delimiter included): a message is padded up to
// the first that holds it.
inline constexpr std::array<std::size_t, 4> kPaddingBuckets{256, 1024, 2048, kMaxWebPushPlaintext + 1};

// Fixed sender key and salt, for the RFC's test vector; normally both fresh.
struct EceSenderSecrets {
  std::string private_key;  // 32 bytes
  std::string salt;         // 16 bytes
};

struct EceOptions {
  bool pad_to_bucket = true;  // false: the delimiter only (as the RFC example)
  const EceSenderSecrets* fixed = nullptr;
};

// The request body: header and the one encrypted record. Fails when the
// plaintext is longer than kMaxWebPushPlaintext.
tl::expected<std::string, std::string> encrypt_aes128gcm(std::string_view plaintext,
                                                         const SubscriptionKeys& keys,
                                                         const EceOptions& options = {});

}  // namespace xpush::push
