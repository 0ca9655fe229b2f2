#include "push/vapid.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>

#include "base/base64.h"

namespace xpush::push {

namespace {
// A push service keeps no more than this many origins' tokens in mind; past
// it the cache starts again (a token is cheap to sign).
constexpr std::size_t kMaxCachedOrigins = 4096;

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

tl::expected<Vapid, std::string> Vapid::create(std::string_view pem, std::string subject) {
  auto key = SigningKey::from_pem(pem);
  if (!key) return tl::unexpected("VAPID key: " + key.error());
  if (key->algorithm() != SigningKey::Algorithm::kEs256) {
    return tl::unexpected(std::string{"VAPID key: a P-256 (EC) key is needed"});
  }
  if (!subject.starts_with("mailto:") && !subject.starts_with("https://")) {
    return tl::unexpected(std::string{"VAPID subject: a mailto: or https: URL is needed"});
  }
  auto point = key->public_point();
  return Vapid{std::move(*key), std::move(subject), base::base64url(point)};
}

tl::expected<std::string, std::string> Vapid::authorization(const std::string& origin, TimePoint now) {
  if (auto it = tokens_.find(origin); it != tokens_.end() && now + kRenewBefore < it->second.expires_at &&
                                      now + kLifetime >= it->second.expires_at) {
    return it->second.header;
  }
  const TimePoint expires = now + kLifetime;
  auto jwt = key_.sign_jwt({{"typ", "JWT"}, {"alg", "ES256"}},
                           {{"aud", origin}, {"exp", unix_seconds(expires)}, {"sub", subject_}});
  if (!jwt) return tl::unexpected("VAPID: " + jwt.error());
  if (tokens_.size() >= kMaxCachedOrigins) tokens_.clear();
  auto& token = tokens_[origin];
  token.header = "vapid t=" + *jwt + ", k=" + public_key_;
  token.expires_at = expires;
  return token.header;
}

tl::expected<std::string, std::string> generate_vapid_key_pem() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  const bool ok = key && bio && PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::string pem;
  if (ok) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<std::size_t>(len));
  }
  BIO_free(bio);
  EVP_PKEY_free(key);
  if (!ok) return tl::unexpected(std::string{"cannot make a P-256 key"});
  return pem;
}

}  // namespace xpush::push
