// JSON Web Tokens as the providers want them: ES256 for APNs token auth
// (PROTOCOL.md §4.4) and the RS256 assertion of Google's OAuth2 service
// account flow (§5.1). Time is always passed in, so tests use a fake clock.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <tl/expected.hpp>

namespace xpush::push {

using TimePoint = std::chrono::system_clock::time_point;

// A private key read from PEM (a .p8 from Apple, the key in a service-account JSON).
class SigningKey {
 public:
  enum class Algorithm { kEs256, kRs256 };
  static tl::expected<SigningKey, std::string> from_pem(std::string_view pem);

  Algorithm algorithm() const { return algorithm_; }
  // An EC key's public point, uncompressed (65 bytes); empty for RSA.
  std::string public_point() const;
  // "<base64url header>.<base64url claims>.<base64url signature>"
  tl::expected<std::string, std::string> sign_jwt(const nlohmann::json& header,
                                                  const nlohmann::json& claims) const;

 private:
  struct Deleter {
    void operator()(void* key) const;
  };
  SigningKey(std::shared_ptr<void> key, Algorithm algorithm) : key_(std::move(key)), algorithm_(algorithm) {}
  std::shared_ptr<void> key_;  // EVP_PKEY
  Algorithm algorithm_;
};

// One APNs provider token per key, shared by every connection, re-signed
// well inside Apple's window: not more often than every 20 minutes (else 429
// TooManyProviderTokenUpdates), at least once an hour (else 403 ExpiredProviderToken).
class ApnsTokenCache {
 public:
  static constexpr std::chrono::minutes kRefreshAfter{50};
  static constexpr std::chrono::minutes kMinAge{20};

  static tl::expected<ApnsTokenCache, std::string> create(std::string_view p8_pem,
                                                          std::string key_id, std::string team_id);
  // The token to send at `now`, signing a new one when the current is due.
  tl::expected<std::string, std::string> token(TimePoint now);
  // After 403 ExpiredProviderToken: forget the token unless it is younger
  // than kMinAge. True when the next token() will be a new one.
  bool invalidate(TimePoint now);
  TimePoint issued_at() const { return issued_at_; }

 private:
  ApnsTokenCache(SigningKey key, std::string key_id, std::string team_id)
      : key_(std::move(key)), key_id_(std::move(key_id)), team_id_(std::move(team_id)) {}
  SigningKey key_;
  std::string key_id_;
  std::string team_id_;
  std::string token_;
  TimePoint issued_at_{};
};

struct ServiceAccount {
  std::string project_id;
  std::string client_email;
  std::string private_key_id;
  std::string private_key_pem;
  std::string token_uri;
  static tl::expected<ServiceAccount, std::string> parse(std::string_view json_text);
};

inline constexpr std::string_view kFcmScope = "https://www.googleapis.com/auth/firebase.messaging";

// The signed JWT that the OAuth2 token endpoint exchanges for an access
// token, and the form-encoded body that carries it.
tl::expected<std::string, std::string> google_assertion(const ServiceAccount& account,
                                                        const SigningKey& key, TimePoint now);
std::string oauth2_token_request_body(std::string_view assertion);

struct AccessToken {
  std::string value;
  TimePoint expires_at{};
  // Renewed this long before it expires, so no request races the expiry.
  static constexpr std::chrono::minutes kMargin{5};
  bool usable_at(TimePoint now) const { return !value.empty() && now + kMargin < expires_at; }
};

tl::expected<AccessToken, std::string> parse_oauth2_response(int status, std::string_view body,
                                                             TimePoint now);

}  // namespace xpush::push
