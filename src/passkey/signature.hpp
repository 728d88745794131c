#pragma once
// Signature verification with a credential's COSE public key (issue 15): ES256 (P-256), EdDSA
// (Ed25519) and RS256 (PKCS#1 v1.5), on OpenSSL 3, with a COSE key or (packed attestation with
// x5c) an attestation certificate's key. The signed message of both ceremonies is
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

/// What WebAuthn §8.2.1 requires of a packed attestation's certificate (x5c's first, the leaf),
/// as read from its DER. The chain above it is not judged (issue 15: no trust anchors).
struct AttestationCertificate {
  long version = 0;               ///< 3 for X.509 v3
  bool subject_complete = false;  ///< Subject has C, O and CN, and OU "Authenticator Attestation"
  bool is_ca = false;             ///< basicConstraints says CA
  bool aaguid_present = false;    ///< the id-fido-gen-ce-aaguid extension (1.3.6.1.4.1.45724.1.1.4)
  bool aaguid_critical = false;
  std::string aaguid;             ///< its 16 bytes; empty when absent or not one 16-byte OCTET STRING
};

/// Reads one DER X.509 certificate (nothing after it); throws ParseError otherwise.
AttestationCertificate ReadAttestationCertificate(std::string_view der);

/// Whether `signature` over `message` verifies with the public key of the DER certificate
/// under `alg`, whose key type must fit it (ES256: P-256, EdDSA: Ed25519, RS256: RSA of at
/// least 2048 bits); false for any other algorithm or key, or a certificate that does not parse.
bool VerifyCertificateSignature(std::string_view der, int64_t alg, std::string_view message,
                                std::string_view signature);

/// authenticatorData || SHA-256(clientDataJSON).
std::string SignedMessage(std::string_view authenticator_data, std::string_view client_data_json);

}  // namespace dfauth::passkey
