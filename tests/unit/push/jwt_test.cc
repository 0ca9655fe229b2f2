#include "push/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <nlohmann/json.hpp>
#include <vector>

namespace xpush::push {
namespace {

using nlohmann::json;
using std::chrono::minutes;

const TimePoint kT0{std::chrono::seconds{1'800'000'000}};

struct KeyPair {
  std::string private_pem;
  EVP_PKEY* key = nullptr;
  ~KeyPair() { EVP_PKEY_free(key); }
};

std::unique_ptr<KeyPair> generate(const char* type, int bits_or_zero) {
  auto kp = std::make_unique<KeyPair>();
  kp->key = bits_or_zero ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, static_cast<size_t>(bits_or_zero))
                         : EVP_PKEY_Q_keygen(nullptr, nullptr, type, "P-256");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, kp->key, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8, like a .p8
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  kp->private_pem.assign(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return kp;
}

std::string unbase64url(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  std::string out(s.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<std::size_t>(n) - (s.ends_with("==") ? 2 : s.ends_with("=") ? 1 : 0));
  return out;
}

struct Jwt {
  json header, claims;
  std::string signing_input, signature;
};

Jwt split(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {json::parse(unbase64url(token.substr(0, a))),
          json::parse(unbase64url(token.substr(a + 1, b - a - 1))), token.substr(0, b),
          unbase64url(token.substr(b + 1))};
}

bool verify(EVP_PKEY* key, const std::string& input, const std::string& der_signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(der_signature.data()),
                                   der_signature.size(),
                                   reinterpret_cast<const unsigned char*>(input.data()),
                                   input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// ES256 carries r||s; OpenSSL verifies DER.
std::string raw_to_der(const std::string& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

TEST(ApnsToken, Es256WithKeyIdAndTeamThatVerifies) {
  const auto kp = generate("EC", 0);
  auto cache = ApnsTokenCache::create(kp->private_pem, "ABC123DEFG", "DEF123GHIJ");
  ASSERT_TRUE(cache) << cache.error();
  const auto token = cache->token(kT0);
  ASSERT_TRUE(token);
  const Jwt jwt = split(*token);
  EXPECT_EQ(jwt.header, json({{"alg", "ES256"}, {"kid", "ABC123DEFG"}}));
  EXPECT_EQ(jwt.claims, json({{"iss", "DEF123GHIJ"}, {"iat", 1'800'000'000}}));
  ASSERT_EQ(jwt.signature.size(), 64u);
  EXPECT_TRUE(verify(kp->key, jwt.signing_input, raw_to_der(jwt.signature)));
  EXPECT_FALSE(verify(kp->key, jwt.signing_input + "x", raw_to_der(jwt.signature)));
}

TEST(ApnsToken, SharedUntilDueThenReSigned) {
  const auto kp = generate("EC", 0);
  auto cache = *ApnsTokenCache::create(kp->private_pem, "K", "T");
  const auto first = *cache.token(kT0);
  EXPECT_EQ(*cache.token(kT0 + minutes{49}), first);
  const auto second = *cache.token(kT0 + minutes{50});
  EXPECT_NE(second, first);
  EXPECT_EQ(split(second).claims["iat"], 1'800'000'000 + 50 * 60);
  EXPECT_EQ(cache.issued_at(), kT0 + minutes{50});
}

TEST(ApnsToken, InvalidateNeverSignsTwiceInTwentyMinutes) {
  const auto kp = generate("EC", 0);
  auto cache = *ApnsTokenCache::create(kp->private_pem, "K", "T");
  const auto first = *cache.token(kT0);
  EXPECT_FALSE(cache.invalidate(kT0 + minutes{19}));
  EXPECT_EQ(*cache.token(kT0 + minutes{19}), first);
  EXPECT_TRUE(cache.invalidate(kT0 + minutes{20}));
  EXPECT_NE(*cache.token(kT0 + minutes{20}), first);
}

TEST(ApnsToken, RefusesKeysThatAreNotP256) {
  EXPECT_FALSE(ApnsTokenCache::create("not a key", "K", "T"));
  EXPECT_FALSE(ApnsTokenCache::create(generate("RSA", 2048)->private_pem, "K", "T"));
}

TEST(GoogleAssertion, Rs256ClaimsThatVerify) {
  const auto kp = generate("RSA", 2048);
  const json account_json = {{"type", "service_account"},
                             {"project_id", "example-project"},
                             {"private_key_id", "kid-1"},
                             {"private_key", kp->private_pem},
                             {"client_email", "xpush@example-project.iam.gserviceaccount.com"},
                             {"token_uri", "https://oauth2.googleapis.com/token"}};
  auto account = ServiceAccount::parse(account_json.dump());
  ASSERT_TRUE(account) << account.error();
  auto key = SigningKey::from_pem(account->private_key_pem);
  ASSERT_TRUE(key);
  const auto assertion = google_assertion(*account, *key, kT0);
  ASSERT_TRUE(assertion);
  const Jwt jwt = split(*assertion);
  EXPECT_EQ(jwt.header, json({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "kid-1"}}));
  EXPECT_EQ(jwt.claims, json({{"iss", "xpush@example-project.iam.gserviceaccount.com"},
                              {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                              {"aud", "https://oauth2.googleapis.com/token"},
                              {"iat", 1'800'000'000},
                              {"exp", 1'800'003'600}}));
  EXPECT_TRUE(verify(kp->key, jwt.signing_input, jwt.signature));
  EXPECT_EQ(oauth2_token_request_body("a.b-c_d"),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b-c_d");
}

TEST(ServiceAccountFile, NamesWhatIsMissing) {
  auto r = ServiceAccount::parse(R"({"project_id":"p","private_key":"k","token_uri":"u"})");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "service account lacks \"client_email\"");
  EXPECT_FALSE(ServiceAccount::parse("{not json"));
}

TEST(AccessToken, CachedUntilShortlyBeforeExpiry) {
  auto token = parse_oauth2_response(
      200, R"({"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"})", kT0);
  ASSERT_TRUE(token) << token.error();
  EXPECT_EQ(token->value, "ya29.abc");
  EXPECT_TRUE(token->usable_at(kT0 + minutes{54}));
  EXPECT_FALSE(token->usable_at(kT0 + minutes{55}));
  auto refused = parse_oauth2_response(400, R"({"error":"invalid_grant"})", kT0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), "token endpoint refused: HTTP 400: invalid_grant");
  EXPECT_FALSE(parse_oauth2_response(200, R"({"access_token":"x"})", kT0));
}

}  // namespace
}  // namespace xpush::push
