#pragma once
// JWS compact serialisation (RFC 7515) for the four algorithms df-auth signs with, on
// OpenSSL 3. The caller pins the algorithm: a token's own `alg` header is only compared with
// it, never trusted (RFC 8725 §3.1). OpenSSL types stay out of this header.

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;  // same declaration as <openssl/types.h>

namespace dfauth::token {

enum class Algorithm { kHS256, kRS256, kES256, kEdDSA };

/// The JOSE name: "HS256", "RS256", "ES256", "EdDSA".
std::string_view AlgorithmName(Algorithm alg);
/// Parses a JOSE name exactly (case-sensitive); nullopt for anything else, "none" included.
std::optional<Algorithm> ParseAlgorithm(std::string_view name);

/// A signing or verifying key. HS256 uses `secret`; the others use `pkey` (a private key
/// signs and verifies, a public key only verifies).
struct Key {
  Algorithm alg = Algorithm::kHS256;
  std::string kid;
  std::string secret;
  std::shared_ptr<EVP_PKEY> pkey;
};

/// Key material that cannot be used (wrong type, too weak, unparsable).
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The largest compact token Verify looks at.
inline constexpr std::size_t kMaxTokenLength = 8192;

/// The standard header for `key`: {"alg":…,"typ":"JWT"} plus "kid" when the key has one.
std::string MakeHeader(const Key& key);

/// `base64url(header).base64url(payload).base64url(signature)`; the header is used as given.
/// Throws KeyError when `key` cannot sign with its algorithm.
std::string Sign(std::string_view header_json, std::string_view payload_json, const Key& key);

struct VerifiedJws {
  std::string header_json;
  std::string payload_json;
};

/// Returns the key for a `kid` (empty when the header has none), or nullptr.
using KeyLookup = std::function<const Key*(std::string_view kid)>;

/// Checks form, header and signature. The header's `alg` must equal `expected` exactly and the
/// looked-up key must be of that algorithm; `crit`, padding, bad base64url, more or fewer than
/// three parts and tokens over kMaxTokenLength are refused. nullopt on any failure.
std::optional<VerifiedJws> Verify(std::string_view token, Algorithm expected,
                                  const KeyLookup& lookup);

/// Loads a PEM private key and checks it suits `alg` (RSA ≥ 2048 bits, P-256, Ed25519);
/// `kid` is set to the RFC 7638 thumbprint. Throws KeyError.
Key LoadPrivateKeyPem(std::string_view pem, Algorithm alg);
/// As LoadPrivateKeyPem for a file; errors name JWT_PRIVATE_KEY_FILE.
Key LoadPrivateKeyFile(const std::string& path, Algorithm alg);
/// A fresh key pair: RSA 2048, P-256 or Ed25519, kid = thumbprint. Throws KeyError for HS256.
Key GenerateKeyPair(Algorithm alg);
/// PKCS#8 PEM of the private key (for storage; never log it).
std::string PrivateKeyPem(const Key& key);
/// SubjectPublicKeyInfo PEM of the public key.
std::string PublicKeyPem(const Key& key);

/// A key from a JWK (RFC 7517/7518/8037): RSA (n, e, optional private members), EC P-256
/// (x, y, optional d), OKP Ed25519 (x, optional d), oct (k, for HS256). `alg` and `kid` come
/// from the JWK when present, otherwise `alg` is inferred from kty. Throws KeyError.
Key KeyFromJwk(std::string_view jwk_json);
/// The public JWK members of an asymmetric key (kty and n/e, crv/x/y or crv/x), as a JSON
/// object text without use/alg/kid. Throws KeyError for HS256.
std::string PublicJwk(const Key& key);
/// The RFC 7638 SHA-256 thumbprint of the public key, base64url.
std::string Thumbprint(const Key& key);

}  // namespace dfauth::token
