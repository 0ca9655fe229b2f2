// VAPID (RFC 8292): the application server's identity on every Web Push
// request, "Authorization: vapid t=<JWT>, k=<public key>". One signed token
// per push service origin, kept until an hour before it expires.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

#include <tl/expected.hpp>

#include "push/jwt.h"

namespace xpush::push {

class Vapid {
 public:
  static constexpr std::chrono::hours kLifetime{12};  // RFC 8292 §2: at most 24 h
  static constexpr std::chrono::hours kRenewBefore{1};

  // `pem`: a P-256 private key. `subject`: "mailto:…" or "https://…", where
  // a push service can reach the operator.
  static tl::expected<Vapid, std::string> create(std::string_view pem, std::string subject);

  // The value of the Authorization header for requests to `origin`
  // ("https://host[:port]", the audience).
  tl::expected<std::string, std::string> authorization(const std::string& origin, TimePoint now);

  // The public key as browsers want it for applicationServerKey (base64url).
  const std::string& public_key() const { return public_key_; }

 private:
  struct Token {
    std::string header;
    TimePoint expires_at{};
  };
  Vapid(SigningKey key, std::string subject, std::string public_key)
      : key_(std::move(key)), subject_(std::move(subject)), public_key_(std::move(public_key)) {}

  SigningKey key_;
  std::string subject_;
  std::string public_key_;
  std::unordered_map<std::string, Token> tokens_;  // by origin
};

// A fresh P-256 key as PKCS#8 PEM, for `xpushctl webpush keygen`.
tl::expected<std::string, std::string> generate_vapid_key_pem();

}  // namespace xpush::push
