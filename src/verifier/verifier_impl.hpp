#pragma once
// What dfauth::Verifier holds (include/dfauth/verifier.hpp): the JWKS cache of social (one
// document per URL, max-age and unknown-kid refetch) and the pinned algorithms. Tests build
// it with a fake fetcher and clock.

#include <vector>

#include "dfauth/verifier.hpp"
#include "social/fetch.hpp"
#include "social/jwks_cache.hpp"
#include "token/claims.hpp"
#include "token/jws.hpp"

namespace dfauth {

struct Verifier::Impl {
  Impl(VerifierOptions options, social::Fetcher fetcher, social::JwksCache::Clock clock);

  VerifiedToken Verify(std::string_view token) const;

  VerifierOptions options;
  std::vector<token::Algorithm> algorithms;
  token::ClaimRules rules;
  token::Key hs256_key;  ///< HS256 mode
  social::JwksCache::Clock clock;
  mutable social::JwksCache jwks;
};

}  // namespace dfauth
