#pragma once
// dfauth::Verifier: checks df-auth's tokens inside another C++ service, in a few lines:
//
//   dfauth::Verifier verifier({.jwks_url = "https://auth.example/.well-known/jwks.json",
//                              .issuer = "https://auth.example", .audience = "my-service",
//                              .algorithms = {"ES256"}});
//   dfauth::VerifiedToken t = verifier.Verify(request_authorization_header);  // or throws
//   use(t.user_id);
//
// What it checks: the signature with a key of df-auth's JWKS document (fetched over HTTP and
// cached for its Cache-Control max-age, 1 h without one; a token naming an unknown `kid` – a
// key rotation – refetches the document early, at most once a minute), or with the shared
// secret in HS256 mode; the algorithm pinned to `algorithms` (a token's own `alg` is only
// compared with them and with the key's, never trusted: RFC 8725 §3.1, so no "none" and no
// HS256 signed with a public key); exp and nbf (with `leeway`), iss, aud and the token type
// claim (`token_type`: "access" for the pair profile, "sliding" for the sliding one; a refresh
// token is refused as an access token).
//
// What it does NOT check: revocation. A token logged out, blacklisted or of a deactivated user
// stays valid here until its exp; keep access tokens short, or ask df-auth (GET users/0/ with
// the token) where a revoked token must be refused at once.
//
// Thread-safe: one Verifier serves every thread of the service. No Boost, Asio or JSON library
// in this header.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dfauth/error.hpp"

namespace dfauth {

struct VerifierOptions {
  std::string jwks_url;      ///< df-auth's GET /.well-known/jwks.json (RS256, ES256, EdDSA)
  std::string hs256_secret;  ///< HS256 mode: df-auth's SECRET_KEY (then jwks_url may be empty)
  std::string issuer;        ///< required iss; empty: not checked
  std::string audience;      ///< required aud; empty: a token with an aud is refused
  std::vector<std::string> algorithms = {"RS256", "ES256", "EdDSA"};  ///< the accepted algs
  std::string token_type = "access";  ///< "access" (pair profile) or "sliding"
  std::chrono::seconds leeway{30};    ///< clock skew allowed on exp and nbf
  std::string type_claim = "token_type";
};

/// The claims of a token that passed every check.
struct VerifiedToken {
  int64_t user_id = 0;
  std::string token_type;
  std::string jti;
  std::string sid;  ///< df-auth's session id; empty for tokens issued before sessions
  int64_t exp = 0;
  int64_t iat = 0;
  std::string alg;
  std::string kid;           ///< the key that verified it (empty in HS256 mode)
  std::string payload_json;  ///< every claim, as signed
};

class Verifier {
 public:
  /// Throws ApiError 400 invalid_config for options that cannot work (an unknown algorithm,
  /// an asymmetric algorithm without jwks_url, HS256 without a secret).
  explicit Verifier(VerifierOptions options);
  ~Verifier();
  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;

  /// Checks `token` (a bare token or an Authorization value "Bearer <token>"). Returns its
  /// claims, or throws ApiError 401 token_not_valid whose message names the reason ("wrong
  /// audience", "expired", "signature does not verify", …), or 503 jwks_unavailable when the
  /// key set cannot be fetched.
  VerifiedToken Verify(std::string_view token) const;

  /// How many times the JWKS document was fetched (monitoring, tests).
  int64_t JwksFetches() const;

  struct Impl;  ///< src/verifier/verifier_impl.hpp
  explicit Verifier(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dfauth
