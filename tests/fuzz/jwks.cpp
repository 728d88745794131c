// JWKS documents of the social providers (src/social/jwks_cache.cpp, token::KeyFromJwk): what a
// provider's key endpoint answers, through JwksCache as a login looks a key up. A key it hands
// out must survive its public JWK: KeyFromJwk(PublicJwk(key)) is the same key (same RFC 7638
// thumbprint). A document the cache cannot use must be 502 provider_error, nothing else.
// Input: the Cache-Control header value, a newline, then the response body.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dfauth/error.hpp"
#include "fuzz_support.hpp"
#include "social/jwks_cache.hpp"
#include "token/jws.hpp"

namespace {

using namespace dfauth;

void CheckKey(const token::Key& key) {
  if (key.alg == token::Algorithm::kHS256) return;  // no public form
  const std::string thumbprint = token::Thumbprint(key);
  const token::Key again = token::KeyFromJwk(token::PublicJwk(key));
  fuzz::Require(again.alg == key.alg, "public JWK reads back as another algorithm");
  fuzz::Require(token::Thumbprint(again) == thumbprint, "public JWK reads back as another key");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string cache_control(newline == std::string_view::npos ? "" : input.substr(0, newline));
  const std::string body(newline == std::string_view::npos ? input : input.substr(newline + 1));

  if (auto max_age = social::MaxAge(cache_control)) fuzz::Require(*max_age >= 0, "negative max-age");

  // The kids a login could name: every string "kid" of the document, and none.
  std::set<std::string> kids{""};
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("keys") && doc["keys"].is_array()) {
    for (const auto& jwk : doc["keys"]) {
      if (jwk.is_object() && jwk.contains("kid") && jwk["kid"].is_string()) kids.insert(jwk["kid"].get<std::string>());
    }
  }

  int fetches = 0;
  social::JwksCache cache(
      [&](const std::string&, const std::vector<std::string>&) {
        ++fetches;
        return social::FetchResponse{200, body, cache_control};
      },
      [] { return int64_t{1'700'000'000}; });
  bool failed = false;
  for (const auto& kid : kids) {
    try {
      if (auto key = cache.Find("https://provider.example/jwks", kid)) {
        fuzz::Require(kid.empty() || key->kid == kid, "a key of another kid");
        CheckKey(*key);
      }
    } catch (const ApiError& e) {
      failed = true;
      fuzz::Require(e.Status() == 502 && e.Code() == "provider_error", "a JWKS failure that is not 502 provider_error");
    }
  }
  // A document that loads: one fetch for the first lookup, at most one more for an unknown kid
  // (then once a minute). One that does not is fetched again at each lookup, and so is one
  // whose Cache-Control says max-age=0 (what the provider asked for; corpus: max_age_zero).
  const bool cached = social::MaxAge(cache_control).value_or(social::JwksCache::kDefaultMaxAge) > 0;
  fuzz::Require(failed || !cached || fetches <= 2, "the cache fetched more than twice in one minute");
  return 0;
}
