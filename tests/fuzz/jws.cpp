// The JWS parser and verifier (src/token/jws.cpp) and the claims reader behind it
// (src/token/claims.cpp), under each algorithm profile: HS256, RS256, ES256 and EdDSA with fixed
// test keys (made for this file only; they sign nothing anywhere else).
// Input: byte 0 picks the algorithm (low 2 bits) and the mode (bit 2); the rest is
//  - mode 0: a compact token, verified as the server verifies a bearer token, its claims read
//    under each token type when it verifies;
//  - mode 1: a header and a payload (FuzzedDataProvider strings), signed with the key and
//    verified: a token with our own header must verify, and what verifies gives back exactly
//    the header and payload signed.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dfauth/error.hpp"
#include "fuzz_support.hpp"
#include "token/claims.hpp"
#include "token/jws.hpp"

namespace {

using namespace dfauth;
using token::Algorithm;

constexpr std::string_view kRsaPem = R"PEM(-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDGLpU5QJSHcUMQ
SEad8phGCYmCANYe1I0N3+X57AEJE9453sf5Q9KtyqDtoSFWE9GZLJGuyw5r9AGV
PQrAB6K5eCqQfpiWfZzjFr54Hz5jzs4/vJdaTWhXPX99IKRWBVE8iL/+bjuOBZI0
p6f5U8wcoNbzVeSIpF8+XMqHgz+PnZSQ8d4CEmBbbsCl0vwsu83DWuSKRVbkX4d/
Voqd6WeFlgwhhiqAnsaiq+WbppWNLucYvhD3xbADpJjqUXfykE/nARFZEsyoKJxO
/VfikQ0gHXV95B8mNVLD7zNrGPddoKe81bnyLooXJV7b39JPTrtyWm662HJaPiDm
SMpYq9g9AgMBAAECggEALKHeEoRETxKHd3nHiZfSimdodAJLNqtIzxifGv93Jju2
vxK4t576KhCp2IqCzvdsq1H5x0NMzqwn1RvnuWKe16VD9MHGDJJijFQZdkUXEHRJ
R9ppvbkUKB2eAiihSgwthPQJRTw/JleD217suf6Qx9vDPQ8Zhlp6ZrmQFR/OZ0HA
+LYFwht+EFYV6WJTAJSv8f4N337sehG6A6iSde50lv9/sbnBwruw1T7jpy4Y6VaK
LJCSkDNdOXSyCCZoHdv3J7Ewr9oSdIrCysEdz1eR41zZ6aoa7u0cwzH40o45Xfmd
lEWTFd6p7Cst5S+xEwBuqH8MJ6PmkcKBFVI9G6CSgwKBgQDhfw3PMLGq7LIDdFzW
jOBbuxv71qNZSEgHkQV8zNKiSj2vwgFcLsd7IR5N8YmPPB3nShGGwI3GrLt3APLP
7pkWRwC2s8y+Rm8jF4g1lbl5LjcvzqjdqXJufqH9wotg7ydmbt/bKzw4N+a9e+NW
vddYQYWFE/zrMvpcwylrT0EukwKBgQDg/aHctOSw0mOVKXqUnX66g0obfH0XFKSd
gXfTfHuPezCPWHFlux/hsglZXGVVWWSKQpN5eSfgpyPnyIdMk/XjqWEATf++bdhB
MVqRwiEkR9AIDLO7F0a8D2qBLVFXiTX9vW67InY9LsKLesGi1VqIHD1pikW8JcNb
YLv2AgZP7wKBgHSbYSa9RYLf94X1zHReUT7eWTA35CytRiIziiTpPhsSTSfwKQfk
YN95VtRzjPD243fRQ5LtS+NrO13krat89MkiWmogPEZA4gPBjXw4OrtBfORJ9+T4
VOZysY4p5i1wPm2n9Da/+toPflCKGhum/A71gvg4R9fQessxWN/XEhvlAoGBAInH
KAjlCaqym+LrLLK3o7SJ06bzXBL3RDtj3kI3V98snDcb/Q1EQyjOAuWjLDbQ8D2u
uWrI47+x+s3kwd4GOay5u7oZCcTOtYBuvbzGuc7i3yUeyi2G+n0Nn7YNT2OgldyV
1appVyjuappJiSyzJKZ3TLBFyaCHK5PYsCHdaYonAoGABvLQD3J2JWTeTv+VF81P
CzGbEbwnHmENW+WoyBLemjXT0wyyF+nDn80vnzvYCZWQ6xKa0Vh11KSc7TX9WkSm
jwLIWGPYBWqAEIJvcb7+BA56XSQiAvKKCZ41ato1ayIOKD5aIbL5tB9C+QgeNtcO
6IPK9t2F0EYCYTeo32LOjCs=
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEcPem = R"PEM(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIpFdlODctLczhk6m
yESBQ5Wy671IiPKfvL3KN96330OhRANCAAS9RiyAi+gQbTra2jstR8S9pyYtAluC
A5KKoNJliplYasWvReE5LqoKdx5OufHgyKxxh9Fd5fE6ZJwamY4nW4eV
-----END PRIVATE KEY-----
)PEM";
constexpr std::string_view kEdPem = R"PEM(-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIk3BWc3GfMNeK0Cru85HszKIrCpJ0wdiQOwthD2DSLs
-----END PRIVATE KEY-----
)PEM";

struct Keys {
  token::Key hs256{.alg = Algorithm::kHS256, .kid = "", .secret = "fuzz-secret-key-0123456789abcdef", .pkey = {}};
  token::Key rs256 = token::LoadPrivateKeyPem(kRsaPem, Algorithm::kRS256);
  token::Key es256 = token::LoadPrivateKeyPem(kEcPem, Algorithm::kES256);
  token::Key eddsa = token::LoadPrivateKeyPem(kEdPem, Algorithm::kEdDSA);

  const token::Key& For(Algorithm alg) const {
    switch (alg) {
      case Algorithm::kHS256: return hs256;
      case Algorithm::kRS256: return rs256;
      case Algorithm::kES256: return es256;
      case Algorithm::kEdDSA: return eddsa;
    }
    return hs256;
  }
};

const Keys& TheKeys() {
  static const Keys keys;
  return keys;
}

/// As TokenService looks keys up: by kid, and the only key of the algorithm for no kid.
token::KeyLookup LookupFor(const token::Key& key) {
  return [&key](std::string_view kid) -> const token::Key* {
    return kid.empty() || kid == key.kid ? &key : nullptr;
  };
}

void ReadEveryType(const std::string& payload) {
  const token::ClaimRules rules[] = {{"", "", "token_type"}, {"https://issuer.example", "api", "typ"}};
  for (const auto& r : rules) {
    for (std::string_view type : {"access", "refresh", "sliding"}) {
      try {
        token::VerifiedClaims claims = token::ReadClaims(payload, r, {type}, 1'700'000'000);
        fuzz::Require(claims.type == type, "claims of another type accepted");
      } catch (const ApiError& e) {
        fuzz::Require(e.Status() == 401, "a claims error that is not a 401");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)TheKeys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto alg = static_cast<Algorithm>(data[0] & 3);
  const bool sign_mode = (data[0] & 4) != 0;
  const token::Key& key = TheKeys().For(alg);
  const auto lookup = LookupFor(key);

  if (!sign_mode) {
    const std::string_view compact(reinterpret_cast<const char*>(data + 1), size - 1);
    if (auto verified = token::Verify(compact, alg, lookup)) ReadEveryType(verified->payload_json);
    return 0;
  }

  FuzzedDataProvider provider(data + 1, size - 1);
  const bool own_header = provider.ConsumeBool();
  const std::string header = own_header ? token::MakeHeader(key) : provider.ConsumeRandomLengthString(512);
  const std::string payload = provider.ConsumeRemainingBytesAsString();
  const std::string compact = token::Sign(header, payload, key);
  auto verified = token::Verify(compact, alg, lookup);
  if (own_header && compact.size() <= token::kMaxTokenLength) {
    fuzz::Require(verified.has_value(), "a token we signed with our header does not verify");
  }
  if (verified) {
    fuzz::Require(verified->header_json == header, "verified header differs from the signed one");
    fuzz::Require(verified->payload_json == payload, "verified payload differs from the signed one");
    ReadEveryType(verified->payload_json);
  }
  // Under every other algorithm the same token is refused.
  for (int other = 0; other < 4; ++other) {
    const auto other_alg = static_cast<Algorithm>(other);
    if (other_alg == alg) continue;
    fuzz::Require(!token::Verify(compact, other_alg, LookupFor(TheKeys().For(other_alg))),
                  "a token verifies under another algorithm");
  }
  return 0;
}
