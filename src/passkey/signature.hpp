#pragma once
// Signature verification with a credential's COSE public key (issue 15): ES256 (P-256), EdDSA
// (Ed25519) and RS256 (PKCS#1 v1.5), on OpenSSL 3. The signed message of both ceremonies is
// authenticatorData || SHA-256(clientDataJSON) (WebAuthn §6.3.3, §7.2 step 20).

#include <string>
#include <string_view>

#include "passkey/parse.hpp"

namespace dfauth::passkey {

/// The COSE algorithms a relying party here accepts, in the order the options list them.
inline constexpr int64_t kAlgEs256 = -7;
inline constexpr int64_t kAlgEdDsa = -8;
inline constexpr int64_t kAlgRs256 = -257;

/// Whether `key` is a well-formed key of an accepted algorithm: ES256 with EC2/P-256 and
/// 32-byte coordinates, EdDSA with OKP/Ed25519 and a 32-byte x, RS256 with an RSA modulus of
/// at least 2048 bits.
bool IsAcceptedKey(const CoseKey& key);

/// Whether `signature` by `key` over `message` verifies; false for a key IsAcceptedKey refuses.
bool VerifySignature(const CoseKey& key, std::string_view message, std::string_view signature);

/// authenticatorData || SHA-256(clientDataJSON).
std::string SignedMessage(std::string_view authenticator_data, std::string_view client_data_json);

}  // namespace dfauth::passkey
