#include "passkey/ceremony.hpp"

#include <algorithm>

#include "crypto/primitives.hpp"
#include "passkey/signature.hpp"

namespace dfauth::passkey {
namespace {

void Require(bool ok, const char* check) {
  if (!ok) throw CeremonyFailure(check);
}

ClientData CheckClientData(const RelyingParty& rp, std::string_view type, std::string_view challenge,
                           std::string_view client_data_json) {
  ClientData cd = ParseClientData(client_data_json);
  Require(cd.type == type, "type");
  Require(crypto::ConstantTimeEquals(cd.challenge, challenge), "challenge");
  Require(std::find(rp.origins.begin(), rp.origins.end(), cd.origin) != rp.origins.end(), "origin");
  Require(!cd.cross_origin, "cross_origin");
  return cd;
}

void CheckAuthenticatorData(const RelyingParty& rp, const AuthenticatorData& ad) {
  Require(crypto::ConstantTimeEquals(ad.rp_id_hash, crypto::Sha256(rp.rp_id)), "rp_id_hash");
  Require(ad.Up(), "user_present");
  Require(ad.Uv() || !rp.user_verification_required, "user_verified");
  Require(ad.Be() || !ad.Bs(), "backup_state");  // BS without BE is invalid
  // No extension was requested: any output is unrequested.
  Require(ad.extensions.empty(), "extensions");
}

}  // namespace

RegisteredCredential VerifyRegistration(const RelyingParty& rp, std::string_view challenge,
                                        std::string_view client_data_json, std::string_view attestation_object) {
  CheckClientData(rp, "webauthn.create", challenge, client_data_json);
  AttestationObject att = ParseAttestationObject(attestation_object);
  AuthenticatorData ad = ParseAuthenticatorData(att.auth_data);
  CheckAuthenticatorData(rp, ad);
  Require(ad.attested.has_value(), "attested_credential");
  CoseKey key = ParseCoseKey(ad.attested->public_key);
  Require(IsAcceptedKey(key), "algorithm");
  if (att.fmt == "packed" && att.x5c_leaf.empty()) {
    // Self attestation: signed by the credential's own key, with its algorithm.
    Require(att.alg == key.alg, "attestation_alg");
    Require(VerifySignature(key, SignedMessage(att.auth_data, client_data_json), att.sig), "attestation_signature");
  } else if (att.fmt == "packed") {
    // x5c (WebAuthn §8.2): signed by the leaf certificate's key, which must be a v3 end-entity
    // certificate with the attestation subject and, when it names an AAGUID, this
    // authenticator's, in a non-critical extension. The chain is not judged.
    const AttestationCertificate cert = ReadAttestationCertificate(att.x5c_leaf);
    Require(cert.version == 3, "attestation_certificate_version");
    Require(cert.subject_complete, "attestation_certificate_subject");
    Require(!cert.is_ca, "attestation_certificate_ca");
    Require(!cert.aaguid_present || (!cert.aaguid_critical && cert.aaguid == ad.attested->aaguid),
            "attestation_certificate_aaguid");
    Require(VerifyCertificateSignature(att.x5c_leaf, *att.alg, SignedMessage(att.auth_data, client_data_json), att.sig),
            "attestation_signature");
  } else {
    Require(att.fmt == "none", "attestation_format");
  }
  RegisteredCredential out;
  out.credential_id = ad.attested->credential_id;
  out.public_key = ad.attested->public_key;
  out.algorithm = key.alg;
  out.sign_count = ad.sign_count;
  out.aaguid = ad.attested->aaguid;
  out.user_verified = ad.Uv();
  out.backup_eligible = ad.Be();
  out.backed_up = ad.Bs();
  return out;
}

Assertion VerifyAssertion(const RelyingParty& rp, std::string_view challenge, std::string_view public_key,
                          bool backup_eligible, std::string_view client_data_json,
                          std::string_view authenticator_data, std::string_view signature) {
  CheckClientData(rp, "webauthn.get", challenge, client_data_json);
  AuthenticatorData ad = ParseAuthenticatorData(authenticator_data);
  CheckAuthenticatorData(rp, ad);
  Require(!ad.attested.has_value(), "attested_credential");
  Require(ad.Be() == backup_eligible, "backup_eligible");
  Require(VerifySignature(ParseCoseKey(public_key), SignedMessage(authenticator_data, client_data_json), signature),
          "signature");
  return Assertion{ad.sign_count, ad.Uv(), ad.Bs()};
}

bool SignCountRegressed(int64_t stored, uint32_t presented) {
  if (stored == 0 && presented == 0) return false;  // an authenticator without a counter
  return static_cast<int64_t>(presented) <= stored;
}

}  // namespace dfauth::passkey
