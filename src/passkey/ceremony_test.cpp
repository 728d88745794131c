#include "passkey/ceremony.hpp"

#include <gtest/gtest.h>

#include <string>

#include "crypto/primitives.hpp"
#include "passkey/test_support.hpp"

namespace dfauth::passkey {
namespace {

using namespace test_support;

constexpr const char* kChallenge = "c2l4dGVlbi1ieXRlcy1jaGFsbGVuZ2U";

std::string ClientJson(const std::string& type, const std::string& challenge = kChallenge,
                       const std::string& origin = "https://app.example", const std::string& extra = "") {
  return R"({"type":")" + type + R"(","challenge":")" + challenge + R"(","origin":")" + origin + "\"" + extra + "}";
}

// authenticatorData with the real rpIdHash of `rp_id`.
std::string RpAuthData(uint8_t flags, const std::string& tail, uint32_t count, const std::string& rp_id = "app.example") {
  std::string ad = AuthData(flags, tail, count);
  return crypto::Sha256(rp_id) + ad.substr(32);
}

class CeremonyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MakeEs256(key_);
    cose_ = CoseBytes(key_.cose);
  }
  std::string NewAuthData(uint8_t flags = kFlagUp | kFlagUv | kFlagAt, const std::string& rp_id = "app.example") {
    return RpAuthData(flags, Attested("cred-1", cose_), 0, rp_id);
  }
  std::string None(const std::string& ad) {
    return "\xa3" + Tstr("fmt") + Tstr("none") + Tstr("attStmt") + "\xa0" + Tstr("authData") + Bstr(ad);
  }
  std::string PackedSelf(const std::string& ad, const std::string& client, int64_t alg_byte = 0x26) {
    const std::string sig = key_.Sign(SignedMessage(ad, client));
    return "\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa2" + Tstr("alg") +
           std::string(1, static_cast<char>(alg_byte)) + Tstr("sig") + Bstr(sig) + Tstr("authData") + Bstr(ad);
  }
  // Packed with x5c: signed by `signer` (the certificate's key), `alg` as the statement's.
  std::string PackedX5c(const std::string& ad, const std::string& client, const TestKey& signer,
                        const std::string& certificate, int64_t alg_byte = 0x26) {
    const std::string sig = signer.Sign(SignedMessage(ad, client));
    return "\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa3" + Tstr("alg") +
           (alg_byte == 0x39 ? std::string("\x39\x01\x00", 3) : std::string(1, static_cast<char>(alg_byte))) +
           Tstr("sig") + Bstr(sig) + Tstr("x5c") + "\x81" + Bstr(certificate) + Tstr("authData") + Bstr(ad);
  }
  std::string FailedCheck(const std::function<void()>& f) {
    try {
      f();
    } catch (const CeremonyFailure& e) {
      return e.what();
    }
    return "passed";
  }

  RelyingParty rp_{"app.example", {"https://app.example"}, true};
  TestKey key_;
  std::string cose_;
};

TEST_F(CeremonyTest, RegistrationWithNoneAndPackedSelfGivesTheCredential) {
  const std::string client = ClientJson("webauthn.create");
  auto none = VerifyRegistration(rp_, kChallenge, client, None(NewAuthData(kFlagUp | kFlagUv | kFlagBe | kFlagAt)));
  EXPECT_EQ(none.credential_id, "cred-1");
  EXPECT_EQ(none.public_key, cose_);
  EXPECT_EQ(none.algorithm, kAlgEs256);
  EXPECT_EQ(none.aaguid, std::string(16, 'a'));
  EXPECT_TRUE(none.user_verified);
  EXPECT_TRUE(none.backup_eligible);
  EXPECT_FALSE(none.backed_up);
  const std::string ad = NewAuthData();
  auto packed = VerifyRegistration(rp_, kChallenge, client, PackedSelf(ad, client));
  EXPECT_EQ(packed.credential_id, "cred-1");
  EXPECT_FALSE(packed.backup_eligible);
}

TEST_F(CeremonyTest, EachRegistrationCheckNamesItself) {
  const std::string client = ClientJson("webauthn.create");
  const std::string good = None(NewAuthData());
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, ClientJson("webauthn.get"), good); }), "type");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, "b3RoZXI", client, good); }), "challenge");
  EXPECT_EQ(FailedCheck([&] {
    VerifyRegistration(rp_, kChallenge, ClientJson("webauthn.create", kChallenge, "https://app.example.evil"), good);
  }), "origin");
  EXPECT_EQ(FailedCheck([&] {
    VerifyRegistration(rp_, kChallenge, ClientJson("webauthn.create", kChallenge, "https://app.example", R"(,"crossOrigin":true)"), good);
  }), "cross_origin");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(NewAuthData(kFlagUp | kFlagUv | kFlagAt, "evil.example"))); }),
            "rp_id_hash");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(NewAuthData(kFlagUv | kFlagAt))); }),
            "user_present");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(NewAuthData(kFlagUp | kFlagAt))); }),
            "user_verified");
  RelyingParty preferred = rp_;
  preferred.user_verification_required = false;
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(preferred, kChallenge, client, None(NewAuthData(kFlagUp | kFlagAt))); }),
            "passed");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(NewAuthData(kFlagUp | kFlagUv | kFlagBs | kFlagAt))); }),
            "backup_state");
  const std::string with_ext = RpAuthData(kFlagUp | kFlagUv | kFlagAt | kFlagEd,
                                          Attested("cred-1", cose_) + "\xa1" + Tstr("credProps") + "\xf5", 0);
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(with_ext)); }), "extensions");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(RpAuthData(kFlagUp | kFlagUv, "", 0))); }),
            "attested_credential");
  // ES384 (alg -35) is not on the allow-list.
  std::string es384 = cose_;
  es384[4] = '\x38';
  es384.insert(5, "\x22");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, None(RpAuthData(kFlagUp | kFlagUv | kFlagAt, Attested("c", es384), 0))); }),
            "algorithm");
  const std::string ad = NewAuthData();
  std::string bad_sig = PackedSelf(ad, client);
  bad_sig[bad_sig.find("sig") + 6] ^= 0x01;
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, bad_sig); }), "attestation_signature");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedSelf(ad, client, 0x27)); }), "attestation_alg");
  const std::string other_fmt = "\xa3" + Tstr("fmt") + Tstr("tpm") + Tstr("attStmt") + "\xa0" + Tstr("authData") + Bstr(ad);
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, other_fmt); }), "attestation_format");
  // Malformed bytes are a ParseError (400), not a failed check (401).
  EXPECT_THROW(VerifyRegistration(rp_, kChallenge, client, "\xa3"), ParseError);
  EXPECT_THROW(VerifyRegistration(rp_, kChallenge, "{", good), ParseError);
}

TEST_F(CeremonyTest, PackedX5cIsVerifiedWithTheLeafCertificatesKeyAndItsRequirements) {
  const std::string client = ClientJson("webauthn.create");
  const std::string ad = NewAuthData();  // AAGUID: 16 times 'a'
  TestKey attestation;
  MakeEs256(attestation);
  const std::string aaguid(16, 'a');
  auto ok = VerifyRegistration(rp_, kChallenge, client,
                               PackedX5c(ad, client, attestation, MakeCertificate(attestation, {.aaguid = aaguid})));
  EXPECT_EQ(ok.credential_id, "cred-1");
  EXPECT_EQ(ok.public_key, cose_);  // the credential's key, not the certificate's
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, attestation, MakeCertificate(attestation))); }),
            "passed");  // the AAGUID extension is optional
  TestKey rsa, ed;
  MakeRs256(rsa);
  MakeEd25519(ed);
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, rsa, MakeCertificate(rsa), 0x39)); }),
            "passed");
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, ed, MakeCertificate(ed), 0x27)); }),
            "passed");
  auto check = [&](const CertificateSpec& spec) {
    return FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, attestation, MakeCertificate(attestation, spec))); });
  };
  EXPECT_EQ(check({.version = 1}), "attestation_certificate_version");
  EXPECT_EQ(check({.ou = "Engineering"}), "attestation_certificate_subject");
  EXPECT_EQ(check({.ca = true}), "attestation_certificate_ca");
  EXPECT_EQ(check({.aaguid = std::string(16, 'b')}), "attestation_certificate_aaguid");
  EXPECT_EQ(check({.aaguid = aaguid, .aaguid_critical = true}), "attestation_certificate_aaguid");
  // Signed by the credential's key while the certificate holds another.
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, key_, MakeCertificate(attestation))); }),
            "attestation_signature");
  // The statement's algorithm must fit the certificate's key: RS256 named, a P-256 key held.
  EXPECT_EQ(FailedCheck([&] { VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, attestation, MakeCertificate(attestation), 0x39)); }),
            "attestation_signature");
  // Not a certificate, or one with bytes after it: malformed (400).
  EXPECT_THROW(VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, attestation, "not a certificate")), ParseError);
  EXPECT_THROW(VerifyRegistration(rp_, kChallenge, client, PackedX5c(ad, client, attestation, MakeCertificate(attestation) + "x")),
               ParseError);
}

TEST(AttestationCertificate, ReadsTheFieldsTheChecksUse) {
  TestKey key;
  MakeEs256(key);
  const AttestationCertificate plain = ReadAttestationCertificate(MakeCertificate(key));
  EXPECT_EQ(plain.version, 3);
  EXPECT_TRUE(plain.subject_complete);
  EXPECT_FALSE(plain.is_ca);
  EXPECT_FALSE(plain.aaguid_present);
  const AttestationCertificate full =
      ReadAttestationCertificate(MakeCertificate(key, {.ca = true, .aaguid = std::string(16, 'z'), .aaguid_critical = true}));
  EXPECT_TRUE(full.is_ca);
  EXPECT_TRUE(full.aaguid_present);
  EXPECT_TRUE(full.aaguid_critical);
  EXPECT_EQ(full.aaguid, std::string(16, 'z'));
  EXPECT_THROW(ReadAttestationCertificate(""), ParseError);
}

TEST_F(CeremonyTest, AssertionChecksSignatureFlagsAndBackupEligibility) {
  const std::string client = ClientJson("webauthn.get");
  const std::string ad = RpAuthData(kFlagUp | kFlagUv, "", 8);
  const std::string sig = key_.Sign(SignedMessage(ad, client));
  Assertion a = VerifyAssertion(rp_, kChallenge, cose_, false, client, ad, sig);
  EXPECT_EQ(a.sign_count, 8u);
  EXPECT_TRUE(a.user_verified);
  EXPECT_FALSE(a.backed_up);
  std::string tampered = sig;
  tampered[10] ^= 0x01;
  EXPECT_EQ(FailedCheck([&] { VerifyAssertion(rp_, kChallenge, cose_, false, client, ad, tampered); }), "signature");
  EXPECT_EQ(FailedCheck([&] { VerifyAssertion(rp_, kChallenge, cose_, true, client, ad, sig); }), "backup_eligible");
  EXPECT_EQ(FailedCheck([&] { VerifyAssertion(rp_, kChallenge, cose_, false, ClientJson("webauthn.create"), ad, sig); }), "type");
  const std::string no_uv = RpAuthData(kFlagUp, "", 9);
  EXPECT_EQ(FailedCheck([&] { VerifyAssertion(rp_, kChallenge, cose_, false, client, no_uv, key_.Sign(SignedMessage(no_uv, client))); }),
            "user_verified");
  // Another key's signature.
  TestKey other;
  MakeEs256(other);
  EXPECT_EQ(FailedCheck([&] { VerifyAssertion(rp_, kChallenge, CoseBytes(other.cose), false, client, ad, sig); }), "signature");
}

TEST(SignCountRegressed, ZeroCountersAreAllowedAndOtherwiseTheCountMustGrow) {
  EXPECT_FALSE(SignCountRegressed(0, 0));
  EXPECT_FALSE(SignCountRegressed(0, 1));
  EXPECT_FALSE(SignCountRegressed(5, 6));
  EXPECT_TRUE(SignCountRegressed(5, 5));
  EXPECT_TRUE(SignCountRegressed(5, 4));
  EXPECT_TRUE(SignCountRegressed(5, 0));
}

}  // namespace
}  // namespace dfauth::passkey
