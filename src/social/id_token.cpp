#include "social/id_token.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace dfauth::social {
namespace {

bool IsBase64UrlChar(char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '-' || ch == '_';
}

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto it = claims.find(name);
  return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

bool LooksLikeJwt(std::string_view value) {
  int parts = 1;
  size_t part_length = 0;
  for (char ch : value) {
    if (ch == '.') {
      if (part_length == 0) return false;
      ++parts;
      part_length = 0;
    } else if (!IsBase64UrlChar(ch)) {
      return false;
    } else {
      ++part_length;
    }
  }
  return parts == 3 && part_length > 0;
}

std::pair<std::string, std::string> SplitName(std::string_view full_name) {
  auto begin = full_name.find_first_not_of(' ');
  if (begin == std::string_view::npos) return {};
  full_name.remove_prefix(begin);
  auto space = full_name.find(' ');
  if (space == std::string_view::npos) return {std::string(full_name), ""};
  std::string_view rest = full_name.substr(space + 1);
  auto rest_begin = rest.find_first_not_of(' ');
  return {std::string(full_name.substr(0, space)),
          rest_begin == std::string_view::npos ? "" : std::string(rest.substr(rest_begin))};
}

SocialIdentity VerifyIdToken(std::string_view id_token, const IdTokenCheck& check, JwksCache& jwks,
                             int64_t now) {
  if (!LooksLikeJwt(id_token)) throw ProviderRejected();
  std::shared_ptr<const token::Key> key;
  // RS256 is pinned: the token's own alg is only compared with it (no "none", no HS256 with a
  // public key as secret).
  auto verified = token::Verify(id_token, token::Algorithm::kRS256, [&](std::string_view kid) {
    key = jwks.Find(check.jwks_url, kid);
    return key.get();
  });
  if (!verified) throw ProviderRejected();
  auto claims = nlohmann::json::parse(verified->payload_json, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) throw ProviderRejected();

  const std::string iss = StringClaim(claims, "iss");
  bool issuer_ok = false;
  for (const auto& accepted : check.issuers) issuer_ok = issuer_ok || iss == accepted;
  if (!issuer_ok) throw ProviderRejected();

  bool audience_ok = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) {
      audience_ok = *aud == check.audience;
    } else if (aud->is_array()) {
      for (const auto& a : *aud) audience_ok = audience_ok || (a.is_string() && a == check.audience);
    }
  }
  if (check.audience.empty() || !audience_ok) throw ProviderRejected();

  auto exp = claims.find("exp");
  auto iat = claims.find("iat");
  if (exp == claims.end() || !exp->is_number() || iat == claims.end() || !iat->is_number())
    throw ProviderRejected();
  if (exp->get<double>() + kIdTokenLeeway <= static_cast<double>(now)) throw ProviderRejected();
  if (iat->get<double>() - kIdTokenLeeway > static_cast<double>(now)) throw ProviderRejected();

  SocialIdentity identity;
  identity.uid = StringClaim(claims, "sub");
  if (identity.uid.empty()) throw ProviderRejected();
  if (std::string email = StringClaim(claims, "email"); !email.empty()) identity.email = email;
  if (auto v = claims.find("email_verified"); v != claims.end())
    identity.email_verified = (v->is_boolean() && v->get<bool>()) || (v->is_string() && *v == "true");
  if (check.take_names) {
    identity.first_name = StringClaim(claims, "given_name");
    identity.last_name = StringClaim(claims, "family_name");
    if (identity.first_name.empty() && identity.last_name.empty()) {
      auto [first, last] = SplitName(StringClaim(claims, "name"));
      identity.first_name = first;
      identity.last_name = last;
    }
  }
  identity.extra_json = claims.dump();
  return identity;
}

}  // namespace dfauth::social
