#include "push/jwt.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "base/base64.h"
#include "push/http_message.h"

namespace xpush::push {

namespace {

using nlohmann::json;

std::int64_t unix_seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string b64(const json& j) { return base::base64url(j.dump()); }

// ES256 wants the signature as the two 32-byte integers r and s, not DER.
tl::expected<std::string, std::string> der_to_raw_p256(const std::vector<unsigned char>& der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return tl::unexpected(std::string{"ECDSA signature is not DER"});
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  const bool ok = BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32) == 32 &&
                  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!ok) return tl::unexpected(std::string{"ECDSA signature does not fit P-256"});
  return raw;
}

}  // namespace

void SigningKey::Deleter::operator()(void* key) const { EVP_PKEY_free(static_cast<EVP_PKEY*>(key)); }

tl::expected<SigningKey, std::string> SigningKey::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!key) return tl::unexpected(std::string{"not a PEM private key"});
  std::shared_ptr<void> owned{key, Deleter{}};
  if (EVP_PKEY_is_a(key, "EC")) {
    if (EVP_PKEY_get_bits(key) != 256) return tl::unexpected(std::string{"ES256 needs a P-256 key"});
    return SigningKey{owned, Algorithm::kEs256};
  }
  if (EVP_PKEY_is_a(key, "RSA")) return SigningKey{owned, Algorithm::kRs256};
  return tl::unexpected(std::string{"only EC P-256 and RSA keys can sign provider tokens"});
}

std::string SigningKey::public_point() const {
  if (algorithm_ != Algorithm::kEs256) return {};
  std::string point(65, '\0');
  std::size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(static_cast<EVP_PKEY*>(key_.get()), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                      reinterpret_cast<unsigned char*>(point.data()), point.size(), &len) != 1 ||
      len != point.size()) {
    return {};
  }
  return point;
}

tl::expected<std::string, std::string> SigningKey::sign_jwt(const json& header,
                                                            const json& claims) const {
  const std::string input = b64(header) + "." + b64(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::vector<unsigned char> sig;
  std::size_t len = 0;
  auto* key = static_cast<EVP_PKEY*>(key_.get());
  const bool ok =
      ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1 &&
      (sig.resize(len), true) &&
      EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return tl::unexpected(std::string{"signing failed"});
  sig.resize(len);
  if (algorithm_ == Algorithm::kRs256) {
    return input + "." + base::base64url({reinterpret_cast<const char*>(sig.data()), sig.size()});
  }
  auto raw = der_to_raw_p256(sig);
  if (!raw) return tl::unexpected(raw.error());
  return input + "." + base::base64url(*raw);
}

tl::expected<ApnsTokenCache, std::string> ApnsTokenCache::create(std::string_view p8_pem,
                                                                 std::string key_id,
                                                                 std::string team_id) {
  auto key = SigningKey::from_pem(p8_pem);
  if (!key) return tl::unexpected("APNs key: " + key.error());
  if (key->algorithm() != SigningKey::Algorithm::kEs256) {
    return tl::unexpected(std::string{"APNs key: a .p8 key is EC P-256"});
  }
  return ApnsTokenCache{std::move(*key), std::move(key_id), std::move(team_id)};
}

tl::expected<std::string, std::string> ApnsTokenCache::token(TimePoint now) {
  if (!token_.empty() && now - issued_at_ < kRefreshAfter && now >= issued_at_) return token_;
  auto signed_token = key_.sign_jwt({{"alg", "ES256"}, {"kid", key_id_}},
                                    {{"iss", team_id_}, {"iat", unix_seconds(now)}});
  if (!signed_token) return tl::unexpected(signed_token.error());
  token_ = std::move(*signed_token);
  issued_at_ = now;
  return token_;
}

bool ApnsTokenCache::invalidate(TimePoint now) {
  if (token_.empty()) return true;
  if (now - issued_at_ < kMinAge) return false;
  token_.clear();
  return true;
}

tl::expected<ServiceAccount, std::string> ServiceAccount::parse(std::string_view json_text) {
  const auto j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return tl::unexpected(std::string{"not JSON"});
  ServiceAccount a;
  for (auto [field, target] : {std::pair{"project_id", &a.project_id},
                               std::pair{"client_email", &a.client_email},
                               std::pair{"private_key", &a.private_key_pem},
                               std::pair{"private_key_id", &a.private_key_id},
                               std::pair{"token_uri", &a.token_uri}}) {
    if (!j.contains(field) || !j[field].is_string()) {
      if (std::string_view{field} == "private_key_id") continue;  // optional
      return tl::unexpected("service account lacks \"" + std::string{field} + "\"");
    }
    *target = j[field].get<std::string>();
  }
  return a;
}

tl::expected<std::string, std::string> google_assertion(const ServiceAccount& account,
                                                        const SigningKey& key, TimePoint now) {
  json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!account.private_key_id.empty()) header["kid"] = account.private_key_id;
  const auto iat = unix_seconds(now);
  return key.sign_jwt(header, {{"iss", account.client_email},
                               {"scope", kFcmScope},
                               {"aud", account.token_uri},
                               {"iat", iat},
                               {"exp", iat + 3600}});
}

std::string oauth2_token_request_body(std::string_view assertion) {
  return "grant_type=" + url_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
         "&assertion=" + url_encode(assertion);
}

tl::expected<AccessToken, std::string> parse_oauth2_response(int status, std::string_view body,
                                                             TimePoint now) {
  const auto j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status != 200) {
    std::string why = "HTTP " + std::to_string(status);
    if (!j.is_discarded() && j.contains("error") && j["error"].is_string()) {
      why += ": " + j["error"].get<std::string>();
    }
    return tl::unexpected("token endpoint refused: " + why);
  }
  if (j.is_discarded() || !j.contains("access_token") || !j["access_token"].is_string() ||
      !j.contains("expires_in") || !j["expires_in"].is_number_integer()) {
    return tl::unexpected(std::string{"token endpoint answered without access_token/expires_in"});
  }
  return AccessToken{j["access_token"].get<std::string>(),
                     now + std::chrono::seconds{j["expires_in"].get<long long>()}};
}

}  // namespace xpush::push
