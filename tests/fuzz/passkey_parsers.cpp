// The WebAuthn parsers a passkey ceremony runs on a client's bytes (src/passkey/parse.hpp): the
// attestation object, authenticator data, COSE keys, clientDataJSON and unpadded base64url.
// Input: one selector byte (its value mod 6: 0 attestation object, 1 authenticator data, 2 COSE
// key, 3 clientDataJSON, 4 base64url, 5 a packed attestation's x5c certificate, DER), then the
// bytes for that parser. Anything malformed must
// be a ParseError (the 400 on `credential`), nothing else.
// Properties, for a parse that succeeds:
//  - authenticator data rebuilt from its fields (rpIdHash, flags, count, attested credential,
//    extensions) is the input byte for byte, its AT/ED flags agree with what it holds, and the
//    attested COSE key parses alone (an uncaught ParseError there is a crash);
//  - an attestation object's authData is what ParseAuthenticatorData reads (it parsed it);
//  - clientDataJSON written back from its fields reads back the same fields;
//  - base64url decoded, encoded again and decoded reads the same bytes;
//  - an x5c certificate (alone, or the leaf of an attestation object) reads the same twice, and
//    an AAGUID it yields is 16 bytes;
//  - every parse of the same bytes gives the same answer.
// The seed corpus (tests/fuzz/corpus/passkey_parsers/) holds objects of the e2e software
// authenticator (tests/e2e/webauthn_authenticator.py): ES256, EdDSA and RS256, none and packed
// (self and x5c), and its attestation certificates.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/primitives.hpp"
#include "fuzz_support.hpp"
#include "passkey/parse.hpp"
#include "passkey/signature.hpp"

namespace {

using namespace dfauth;
using fuzz::Require;

bool SameKey(const passkey::CoseKey& a, const passkey::CoseKey& b) {
  return a.kty == b.kty && a.alg == b.alg && a.crv == b.crv && a.x == b.x && a.y == b.y && a.n == b.n &&
         a.e == b.e;
}

void CheckAuthData(std::string_view bytes, const passkey::AuthenticatorData& d) {
  Require(d.rp_id_hash.size() == 32, "rpIdHash is not 32 bytes");
  std::string rebuilt = d.rp_id_hash;
  rebuilt += static_cast<char>(d.flags);
  for (int shift = 24; shift >= 0; shift -= 8) rebuilt += static_cast<char>((d.sign_count >> shift) & 0xff);
  Require(d.attested.has_value() == ((d.flags & passkey::kFlagAt) != 0), "AT flag disagrees with the data");
  Require(!d.extensions.empty() == ((d.flags & passkey::kFlagEd) != 0), "ED flag disagrees with the data");
  if (d.attested) {
    const auto& a = *d.attested;
    Require(a.aaguid.size() == 16, "AAGUID is not 16 bytes");
    Require(!a.credential_id.empty() && a.credential_id.size() <= passkey::kMaxCredentialIdLength,
            "credential id length out of range");
    rebuilt += a.aaguid;
    rebuilt += static_cast<char>(a.credential_id.size() >> 8);
    rebuilt += static_cast<char>(a.credential_id.size() & 0xff);
    rebuilt += a.credential_id;
    rebuilt += a.public_key;
    // The key the authenticator data carries (it parsed it) reads alone, the same every time.
    Require(SameKey(passkey::ParseCoseKey(a.public_key), passkey::ParseCoseKey(a.public_key)),
            "COSE key reads differently twice");
  }
  rebuilt += d.extensions;
  Require(rebuilt == bytes, "authenticator data does not rebuild from its fields");
}

void FuzzAuthData(std::string_view bytes) {
  passkey::AuthenticatorData d;
  try {
    d = passkey::ParseAuthenticatorData(bytes);
  } catch (const passkey::ParseError&) {
    return;
  }
  CheckAuthData(bytes, d);
}

void FuzzCertificate(std::string_view der) {
  passkey::AttestationCertificate c;
  try {
    c = passkey::ReadAttestationCertificate(der);
  } catch (const passkey::ParseError&) {
    return;
  }
  const passkey::AttestationCertificate again = passkey::ReadAttestationCertificate(der);
  Require(again.version == c.version && again.subject_complete == c.subject_complete && again.is_ca == c.is_ca &&
              again.aaguid_present == c.aaguid_present && again.aaguid_critical == c.aaguid_critical &&
              again.aaguid == c.aaguid,
          "certificate reads differently twice");
  Require(c.aaguid.empty() || (c.aaguid_present && c.aaguid.size() == 16), "AAGUID is not 16 bytes");
  // Any signature check on it answers, and a made-up signature never verifies.
  Require(!passkey::VerifyCertificateSignature(der, passkey::kAlgEs256, "message", "signature"),
          "a made-up signature verified");
}

void FuzzAttestation(std::string_view bytes) {
  passkey::AttestationObject o;
  try {
    o = passkey::ParseAttestationObject(bytes);
  } catch (const passkey::ParseError&) {
    return;
  }
  Require(!o.fmt.empty(), "attestation object without fmt");
  const passkey::AttestationObject again = passkey::ParseAttestationObject(bytes);
  Require(again.fmt == o.fmt && again.auth_data == o.auth_data && again.alg == o.alg && again.sig == o.sig &&
              again.x5c_leaf == o.x5c_leaf,
          "attestation object reads differently twice");
  FuzzAuthData(o.auth_data);
  if (!o.x5c_leaf.empty()) FuzzCertificate(o.x5c_leaf);
}

void FuzzCoseKey(std::string_view bytes) {
  passkey::CoseKey k;
  try {
    k = passkey::ParseCoseKey(bytes);
  } catch (const passkey::ParseError&) {
    return;
  }
  Require(SameKey(k, passkey::ParseCoseKey(bytes)), "COSE key reads differently twice");
}

void FuzzClientData(std::string_view bytes) {
  passkey::ClientData c;
  try {
    c = passkey::ParseClientData(bytes);
  } catch (const passkey::ParseError&) {
    return;
  }
  const std::string written = nlohmann::json{{"type", c.type},
                                             {"challenge", c.challenge},
                                             {"origin", c.origin},
                                             {"crossOrigin", c.cross_origin}}
                                  .dump();
  const passkey::ClientData again = passkey::ParseClientData(written);
  Require(again.type == c.type && again.challenge == c.challenge && again.origin == c.origin &&
              again.cross_origin == c.cross_origin,
          "clientDataJSON does not read back from its fields");
}

void FuzzBase64Url(std::string_view text) {
  std::string bytes;
  try {
    bytes = passkey::DecodeBase64Url(text, "fuzz");
  } catch (const passkey::ParseError&) {
    return;
  }
  Require(passkey::DecodeBase64Url(crypto::Base64UrlEncode(bytes), "fuzz") == bytes,
          "base64url does not read back what it decoded");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: FuzzAttestation(rest); break;
    case 1: FuzzAuthData(rest); break;
    case 2: FuzzCoseKey(rest); break;
    case 3: FuzzClientData(rest); break;
    case 4: FuzzBase64Url(rest); break;
    default: FuzzCertificate(rest); break;
  }
  return 0;
}
