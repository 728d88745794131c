#include "token/claims.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "dfauth/error.hpp"
#include "token/json_object.hpp"

namespace dfauth::token {
namespace {

using Json = nlohmann::json;

[[noreturn]] void Reject(const char* reason) { throw ClaimsRejected(errors::TokenNotValid(), reason); }

std::optional<int64_t> NumericClaim(const Json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    return v > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(v);
  }
  if (it->is_number_float()) {
    double v = it->get<double>();
    if (!(v > -9e18 && v < 9e18)) return std::nullopt;  // NaN and out of range
    return static_cast<int64_t>(v);
  }
  return std::nullopt;
}

bool AudienceMatches(const Json& aud, const std::string& expected) {
  if (aud.is_string()) return aud.get_ref<const std::string&>() == expected;
  if (aud.is_array()) {
    return std::any_of(aud.begin(), aud.end(), [&](const Json& a) {
      return a.is_string() && a.get_ref<const std::string&>() == expected;
    });
  }
  return false;
}

/// exp, nbf, iss and aud, as RFC 7519 defines them and the options ask.
void CheckRegisteredClaims(const ClaimRules& options, const Json& payload, int64_t now, VerifiedClaims& claims) {
  // No leeway unless asked: on the server a token is dead at its exp second, as simplejwt has it.
  auto exp = NumericClaim(payload, "exp");
  if (!exp) Reject("exp missing or malformed");
  if (*exp <= now - options.leeway) Reject("expired");
  claims.exp = *exp;
  if (payload.contains("nbf")) {
    claims.nbf = NumericClaim(payload, "nbf");
    if (!claims.nbf) Reject("nbf malformed");
    if (*claims.nbf > now + options.leeway) Reject("not yet valid (nbf)");
  }
  if (!options.issuer.empty()) {
    auto iss = payload.find("iss");
    if (iss == payload.end() || !iss->is_string() ||
        iss->get_ref<const std::string&>() != options.issuer) {
      Reject("wrong issuer");
    }
  }
  if (auto aud = payload.find("aud"); aud != payload.end()) {
    // An audience we were not told to accept means the token is meant for someone else.
    if (options.audience.empty() || !AudienceMatches(*aud, options.audience)) {
      Reject("wrong audience");
    }
  } else if (!options.audience.empty()) {
    Reject("audience missing");
  }
}

/// The token type, jti, user_id, iat, refresh_exp and sid df-auth's tokens carry.
void ReadOurClaims(const ClaimRules& options, const Json& payload, std::initializer_list<std::string_view> types,
                   VerifiedClaims& claims) {
  auto type = payload.find(options.type_claim);
  if (type == payload.end() || !type->is_string()) Reject("token type missing");
  claims.type = type->get<std::string>();
  if (std::find(types.begin(), types.end(), claims.type) == types.end()) {
    throw ClaimsRejected(errors::TokenNotValid(kWrongType), "wrong token type " + claims.type);
  }
  auto jti = payload.find("jti");
  if (jti == payload.end() || !jti->is_string() || jti->get_ref<const std::string&>().empty()) {
    Reject("malformed claims");
  }
  claims.jti = jti->get<std::string>();
  auto user_id = payload.find("user_id");
  if (user_id == payload.end() ||
      !(user_id->is_number_integer() || user_id->is_number_unsigned())) {
    Reject("malformed claims");
  }
  claims.user_id =
      user_id->is_number_unsigned()
          ? static_cast<int64_t>(std::min<uint64_t>(user_id->get<uint64_t>(), INT64_MAX))
          : user_id->get<int64_t>();
  if (payload.contains("iat")) {
    auto iat = NumericClaim(payload, "iat");
    if (!iat) Reject("malformed claims");
    claims.iat = *iat;
  }
  if (payload.contains("refresh_exp")) {
    claims.refresh_exp = NumericClaim(payload, "refresh_exp");
    if (!claims.refresh_exp) Reject("malformed claims");
  }
  if (auto sid = payload.find("sid"); sid != payload.end()) {
    if (!sid->is_string() || sid->get_ref<const std::string&>().empty()) Reject("malformed claims");
    claims.sid = sid->get<std::string>();
  }
}

}  // namespace

VerifiedClaims ReadClaims(std::string_view payload_json, const ClaimRules& rules,
                          std::initializer_list<std::string_view> types, int64_t now) {
  // A claim named twice (two exp, two user_id) is refused, not read as its last copy.
  std::optional<Json> parsed = ParseUniqueObject(payload_json);
  if (!parsed) Reject("payload is not one JSON object");
  const Json& payload = *parsed;
  VerifiedClaims claims;
  CheckRegisteredClaims(rules, payload, now, claims);
  ReadOurClaims(rules, payload, types, claims);
  return claims;
}

}  // namespace dfauth::token
