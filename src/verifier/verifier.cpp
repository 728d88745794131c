#include "verifier/verifier_impl.hpp"

#include <ctime>
#include <memory>

namespace dfauth {
namespace {

ApiError Rejected(std::string reason) { return ApiError(401, "token_not_valid", std::move(reason)); }

ApiError BadOptions(std::string message, std::string field) {
  return ApiError(400, "invalid_config", std::move(message), std::move(field));
}

/// The token of "Bearer <token>" (the scheme as df-auth's own authenticator spells it), or
/// `value` itself.
std::string_view StripBearer(std::string_view value) {
  constexpr std::string_view kScheme = "Bearer ";
  if (value.substr(0, kScheme.size()) == kScheme) value.remove_prefix(kScheme.size());
  return value;
}

}  // namespace

Verifier::Impl::Impl(VerifierOptions opts, social::Fetcher fetcher, social::JwksCache::Clock clk)
    : options(std::move(opts)),
      clock(clk ? std::move(clk) : [] { return static_cast<int64_t>(std::time(nullptr)); }),
      jwks(std::move(fetcher), clock) {
  if (options.algorithms.empty()) throw BadOptions("Name at least one algorithm.", "algorithms");
  for (const std::string& name : options.algorithms) {
    std::optional<token::Algorithm> alg = token::ParseAlgorithm(name);
    if (!alg) throw BadOptions("Unknown algorithm \"" + name + "\".", "algorithms");
    if (*alg == token::Algorithm::kHS256 && options.hs256_secret.empty()) {
      throw BadOptions("HS256 needs hs256_secret.", "hs256_secret");
    }
    if (*alg != token::Algorithm::kHS256 && options.jwks_url.empty()) {
      throw BadOptions(name + " needs jwks_url.", "jwks_url");
    }
    algorithms.push_back(*alg);
  }
  if (options.token_type.empty()) throw BadOptions("Name the token type.", "token_type");
  if (options.leeway.count() < 0) throw BadOptions("The leeway cannot be negative.", "leeway");
  rules = {options.issuer, options.audience, options.type_claim, options.leeway.count()};
  hs256_key.alg = token::Algorithm::kHS256;
  hs256_key.secret = options.hs256_secret;
}

VerifiedToken Verifier::Impl::Verify(std::string_view bearer) const {
  std::string_view token_text = StripBearer(bearer);
  if (token_text.empty()) throw Rejected("no token");
  std::shared_ptr<const token::Key> key;
  bool alg_accepted = false;
  std::optional<token::VerifiedJws> verified;
  token::Algorithm used = algorithms.front();
  // Each pinned algorithm in turn: token::Verify compares the header's alg with it before it
  // looks a key up, and the key's own algorithm must match too.
  for (token::Algorithm alg : algorithms) {
    key.reset();
    verified = token::Verify(token_text, alg, [&](std::string_view kid) -> const token::Key* {
      alg_accepted = true;
      if (alg == token::Algorithm::kHS256) return &hs256_key;
      try {
        key = jwks.Find(options.jwks_url, kid);
      } catch (const ApiError&) {
        throw ApiError(503, "jwks_unavailable", "The JWKS at " + options.jwks_url + " could not be fetched.");
      }
      return key.get();
    });
    if (verified) {
      used = alg;
      break;
    }
    if (alg_accepted) break;
  }
  if (!verified) {
    if (!alg_accepted) throw Rejected("malformed token or algorithm not accepted");
    if (used != token::Algorithm::kHS256 && !key) throw Rejected("unknown key id");
    throw Rejected("signature does not verify");
  }
  token::VerifiedClaims claims;
  try {
    claims = token::ReadClaims(verified->payload_json, rules, {options.token_type}, clock());
  } catch (const token::ClaimsRejected& e) {
    throw Rejected(e.Reason());
  }
  VerifiedToken out;
  out.user_id = claims.user_id;
  out.token_type = std::move(claims.type);
  out.jti = std::move(claims.jti);
  out.sid = std::move(claims.sid);
  out.exp = claims.exp;
  out.iat = claims.iat;
  out.alg = std::string(token::AlgorithmName(used));
  if (key) out.kid = key->kid;
  out.payload_json = std::move(verified->payload_json);
  return out;
}

Verifier::Verifier(VerifierOptions options)
    : impl_(std::make_unique<Impl>(std::move(options), social::CurlFetcher(), nullptr)) {}
Verifier::Verifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

VerifiedToken Verifier::Verify(std::string_view token) const { return impl_->Verify(token); }
int64_t Verifier::JwksFetches() const { return impl_->jwks.Fetches(); }

}  // namespace dfauth
