#pragma once
// Test support of src/passkey's unit tests: a small CBOR writer and a software authenticator's
// keys (OpenSSL), so that tests build real credentials and assertions.

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <optional>
#include <string>
#include <string_view>

#include "passkey/parse.hpp"
#include "passkey/signature.hpp"

namespace dfauth::passkey::test_support {

// Minimal CBOR writers for the test inputs (definite lengths only).
inline std::string Head(uint8_t major, std::size_t n) {
  std::string out;
  if (n < 24) out += static_cast<char>((major << 5) | n);
  else if (n < 256) { out += static_cast<char>((major << 5) | 24); out += static_cast<char>(n); }
  else { out += static_cast<char>((major << 5) | 25); out += static_cast<char>(n >> 8); out += static_cast<char>(n & 0xff); }
  return out;
}
inline std::string Bstr(const std::string& b) { return Head(2, b.size()) + b; }
inline std::string Tstr(const std::string& t) { return Head(3, t.size()) + t; }

inline std::string Es256Key() {
  return "\xa5\x01\x02\x03\x26\x20\x01\x21" + Bstr(std::string(32, 'x')) + "\x22" + Bstr(std::string(32, 'y'));
}

inline std::string AuthData(uint8_t flags, const std::string& tail, uint32_t count = 7) {
  std::string out(32, 'h');
  out += static_cast<char>(flags);
  out += static_cast<char>(count >> 24);
  out += static_cast<char>((count >> 16) & 0xff);
  out += static_cast<char>((count >> 8) & 0xff);
  out += static_cast<char>(count & 0xff);
  return out + tail;
}

inline std::string Attested(const std::string& cred_id, const std::string& key) {
  std::string out(16, 'a');
  out += static_cast<char>(cred_id.size() >> 8);
  out += static_cast<char>(cred_id.size() & 0xff);
  return out + cred_id + key;
}

// A software authenticator's key: makes the COSE key and signs like one.
struct TestKey {
  EVP_PKEY* pkey = nullptr;
  CoseKey cose;
  ~TestKey() { EVP_PKEY_free(pkey); }

  std::string Sign(std::string_view message) const {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const EVP_MD* digest = cose.alg == kAlgEdDsa ? nullptr : EVP_sha256();
    size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(md, nullptr, digest, nullptr, pkey), 1);
    EXPECT_EQ(EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()), 1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(md, reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()), 1);
    sig.resize(len);
    EVP_MD_CTX_free(md);
    return sig;
  }
};

inline std::string BnBytes(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

inline void MakeEs256(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  unsigned char point[65];
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(k.pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len), 1);
  ASSERT_EQ(len, 65u);
  k.cose = {.kty = 2, .alg = kAlgEs256, .crv = 1, .x = std::string(reinterpret_cast<char*>(point) + 1, 32),
            .y = std::string(reinterpret_cast<char*>(point) + 33, 32)};
}

inline void MakeEd25519(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  std::string x(32, '\0');
  size_t len = 32;
  ASSERT_EQ(EVP_PKEY_get_raw_public_key(k.pkey, reinterpret_cast<unsigned char*>(x.data()), &len), 1);
  k.cose = {.kty = 1, .alg = kAlgEdDsa, .crv = 6, .x = x};
}

inline void MakeRs256(TestKey& k) {
  k.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  k.cose = {.kty = 3, .alg = kAlgRs256, .n = BnBytes(k.pkey, OSSL_PKEY_PARAM_RSA_N),
            .e = BnBytes(k.pkey, OSSL_PKEY_PARAM_RSA_E)};
}

/// The COSE_Key encoding of a test key (the layout authenticators use: 1, 3, -1, -2, -3).
inline std::string CoseBytes(const CoseKey& k) {
  if (k.kty == 2)
    return "\xa5\x01\x02\x03\x26\x20\x01\x21" + Bstr(k.x) + "\x22" + Bstr(k.y);
  if (k.kty == 1) return "\xa4\x01\x01\x03\x27\x20\x06\x21" + Bstr(k.x);
  return std::string("\xa4\x01\x03\x03\x39\x01\x00\x20", 8) + Bstr(k.n) + "\x21" + Bstr(k.e);
}

/// What a test attestation certificate looks like; the defaults meet WebAuthn §8.2.1.
struct CertificateSpec {
  long version = 3;
  std::string ou = "Authenticator Attestation";
  bool ca = false;
  std::optional<std::string> aaguid;  ///< the id-fido-gen-ce-aaguid extension's 16 bytes
  bool aaguid_critical = false;
};

/// A DER certificate of `key`, self-signed (the chain is not judged, so its issuer is moot).
inline std::string MakeCertificate(const TestKey& key, const CertificateSpec& spec = {}) {
  X509* x = X509_new();
  EXPECT_EQ(X509_set_version(x, spec.version - 1), 1);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  EXPECT_EQ(X509_set_pubkey(x, key.pkey), 1);
  X509_NAME* name = X509_get_subject_name(x);
  for (auto [field, value] : {std::pair{"C", std::string("SE")}, {"O", std::string("Test Vendor")},
                              {"OU", spec.ou}, {"CN", std::string("Test Authenticator")}})
    EXPECT_EQ(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value.data()),
                                         static_cast<int>(value.size()), -1, 0), 1);
  X509_set_issuer_name(x, name);
  if (spec.ca) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
    EXPECT_EQ(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
  }
  if (spec.aaguid) {
    // The extension's value is the DER of an OCTET STRING holding the AAGUID.
    std::string inner = "\x04\x10" + *spec.aaguid;
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(inner.data()), static_cast<int>(inner.size()));
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
    X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, spec.aaguid_critical ? 1 : 0, value);
    EXPECT_EQ(X509_add_ext(x, ext, -1), 1);
    X509_EXTENSION_free(ext);
    ASN1_OBJECT_free(oid);
    ASN1_OCTET_STRING_free(value);
  }
  EXPECT_GT(X509_sign(x, key.pkey, key.cose.alg == kAlgEdDsa ? nullptr : EVP_sha256()), 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  EXPECT_GT(len, 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

}  // namespace dfauth::passkey::test_support
