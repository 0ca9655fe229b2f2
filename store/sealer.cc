#include "store/sealer.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <memory>
#include <optional>

namespace xpush::store {

namespace {

constexpr std::string_view kPrefix = "xpush-sealed:1:";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

tl::expected<SealingKey, std::string> sealing_key_from_base64(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  const auto raw = unbase64(text);
  if (!raw || raw->size() != 32) {
    return tl::unexpected(std::string{"a sealing key is 32 bytes in base64 (openssl rand -base64 32)"});
  }
  SealingKey key;
  std::copy(raw->begin(), raw->end(), key.bytes.begin());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(key.bytes.data(), key.bytes.size(), digest, &length, EVP_sha256(), nullptr);
  char id[9];
  std::snprintf(id, sizeof id, "%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  key.id = id;
  return key;
}

bool Sealer::is_sealed(std::string_view stored) { return stored.starts_with(kPrefix); }

std::string Sealer::seal(std::string_view plain, std::string_view owner) const {
  const SealingKey& key = keys_.front();
  std::string sealed(kNonceBytes + plain.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(sealed.data());
  RAND_bytes(out, kNonceBytes);
  CipherContext ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  int n = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes.data(), out);
  EVP_EncryptUpdate(ctx.get(), nullptr, &n, bytes_of(owner), static_cast<int>(owner.size()));
  EVP_EncryptUpdate(ctx.get(), out + kNonceBytes, &n, bytes_of(plain), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx.get(), out + kNonceBytes + n, &n);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, out + kNonceBytes + plain.size());
  return std::string{kPrefix} + key.id + ":" + base64(sealed);
}

tl::expected<std::string, std::string> Sealer::open(std::string_view stored, std::string_view owner) const {
  if (!is_sealed(stored)) return std::string{stored};
  stored.remove_prefix(kPrefix.size());
  const auto colon = stored.find(':');
  if (colon == std::string_view::npos) return tl::unexpected(std::string{"sealed text without a key id"});
  const auto id = stored.substr(0, colon);
  const SealingKey* key = nullptr;
  for (const auto& k : keys_) {
    if (k.id == id) key = &k;
  }
  if (!key) return tl::unexpected("sealed with key " + std::string{id} + ", which is not configured");
  const auto sealed = unbase64(stored.substr(colon + 1));
  if (!sealed || sealed->size() < kNonceBytes + kTagBytes) return tl::unexpected(std::string{"sealed text is damaged"});
  const std::size_t length = sealed->size() - kNonceBytes - kTagBytes;
  const auto* in = bytes_of(*sealed);
  std::string plain(length, '\0');
  CipherContext ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
  int n = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key->bytes.data(), in);
  EVP_DecryptUpdate(ctx.get(), nullptr, &n, bytes_of(owner), static_cast<int>(owner.size()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &n, in + kNonceBytes,
                    static_cast<int>(length));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                      const_cast<unsigned char*>(in + kNonceBytes + length));
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + n, &n) != 1) {
    return tl::unexpected(std::string{"sealed text does not open with key "} + key->id +
                          " (damaged, or moved from another row)");
  }
  return plain;
}

}  // namespace xpush::store
