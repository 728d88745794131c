#pragma once
// The claims of a token whose signature has been verified: RFC 7519's registered claims judged
// (no leeway unless the rules ask: on the server a token is dead at its exp second, as
// simplejwt has it), then the ones df-auth's
// tokens carry read. Plain values in, plain values out: no keys, no store.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "dfauth/error.hpp"
#include "token/verified_cache.hpp"

namespace dfauth::token {

inline constexpr char kWrongType[] = "Token has wrong type";

/// What the deployment asks of every token (TokenOptions' issuer, audience, type_claim).
struct ClaimRules {
  std::string issuer;      ///< empty: no iss check
  std::string audience;    ///< empty: a token with an aud is refused
  std::string type_claim;  ///< the claim naming the token type ("token_type")
  int64_t leeway = 0;      ///< seconds of clock skew allowed on exp and nbf (the server: 0)
};

/// The 401 token_not_valid ReadClaims throws: the client's message stays simplejwt's, the
/// reason ("expired", "audience", …) is for a verifier that reports it (dfauth::Verifier).
class ClaimsRejected : public ApiError {
 public:
  ClaimsRejected(ApiError error, std::string reason) : ApiError(std::move(error)), reason_(std::move(reason)) {}
  const std::string& Reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

/// The claims of `payload_json`: exp, nbf, iss and aud judged at `now`; the type one of `types`
/// (else 401 token_not_valid "Token has wrong type"), jti, user_id, iat, refresh_exp and sid read.
/// Throws ClaimsRejected (401 token_not_valid) for anything missing, malformed or out of time.
VerifiedClaims ReadClaims(std::string_view payload_json, const ClaimRules& rules,
                          std::initializer_list<std::string_view> types, int64_t now);

}  // namespace dfauth::token
