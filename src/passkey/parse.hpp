#pragma once
// The WebAuthn byte formats a relying party reads (issue 15): authenticator data (WebAuthn §6.1),
// the attestation object (CBOR, via libcbor) and clientDataJSON. Pure parsers: they check the
// shape, never a signature or a policy (src/passkey's ceremony checks do). Every malformed
// input throws ParseError, which the api maps to 400 on `credential`. No libcbor or nlohmann
// types in this header.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dfauth::passkey {

/// A malformed credential: what is wrong, for the log (never the bytes themselves).
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The flags byte of authenticator data.
inline constexpr uint8_t kFlagUp = 0x01;  ///< user present
inline constexpr uint8_t kFlagUv = 0x04;  ///< user verified
inline constexpr uint8_t kFlagBe = 0x08;  ///< backup eligible
inline constexpr uint8_t kFlagBs = 0x10;  ///< backed up
inline constexpr uint8_t kFlagAt = 0x40;  ///< attested credential data included
inline constexpr uint8_t kFlagEd = 0x80;  ///< extension data included

/// The longest credential id a relying party accepts (WebAuthn §5.1.3 step 23 / L3 §6.5.1).
inline constexpr std::size_t kMaxCredentialIdLength = 1023;

struct AttestedCredential {
  std::string aaguid;         ///< 16 bytes
  std::string credential_id;  ///< raw bytes, 1..kMaxCredentialIdLength
  std::string public_key;     ///< the COSE_Key, exactly its CBOR encoding
};

struct AuthenticatorData {
  std::string rp_id_hash;  ///< 32 bytes
  uint8_t flags = 0;
  uint32_t sign_count = 0;
  std::optional<AttestedCredential> attested;  ///< present iff AT
  std::string extensions;                      ///< the CBOR map of extension outputs iff ED
  bool Up() const { return flags & kFlagUp; }
  bool Uv() const { return flags & kFlagUv; }
  bool Be() const { return flags & kFlagBe; }
  bool Bs() const { return flags & kFlagBs; }
};

/// Parses authenticator data; throws ParseError when it is short, has trailing bytes, or its
/// AT/ED flags disagree with what follows the fixed 37 bytes.
AuthenticatorData ParseAuthenticatorData(std::string_view bytes);

/// The COSE_Key fields a verifier needs.
struct CoseKey {
  int64_t kty = 0;  ///< 1 OKP, 2 EC2, 3 RSA
  int64_t alg = 0;  ///< -7 ES256, -8 EdDSA, -257 RS256
  int64_t crv = 0;  ///< EC2: 1 (P-256); OKP: 6 (Ed25519)
  std::string x, y; ///< EC2/OKP coordinates
  std::string n, e; ///< RSA modulus and exponent
};
/// Parses a COSE_Key (one CBOR map, nothing after it); throws ParseError.
CoseKey ParseCoseKey(std::string_view cbor);

/// The attestation object of a registration.
struct AttestationObject {
  std::string fmt;        ///< "none", "packed", …
  std::string auth_data;  ///< raw authenticator data bytes
  // packed: the attestation statement
  std::optional<int64_t> alg;
  std::string sig;
  std::string x5c_leaf;   ///< DER of the first certificate; empty for self attestation
};
/// Parses the CBOR attestation object {fmt, attStmt, authData}; throws ParseError.
AttestationObject ParseAttestationObject(std::string_view cbor);

/// The members of clientDataJSON a relying party checks.
struct ClientData {
  std::string type;       ///< "webauthn.create" or "webauthn.get"
  std::string challenge;  ///< base64url, as sent
  std::string origin;
  bool cross_origin = false;
};
/// Parses clientDataJSON (UTF-8 JSON object with string type/challenge/origin); throws ParseError.
ClientData ParseClientData(std::string_view json);

/// base64url without padding (the WebAuthn JSON serialisation); throws ParseError naming `what`.
std::string DecodeBase64Url(std::string_view text, std::string_view what);

}  // namespace dfauth::passkey
