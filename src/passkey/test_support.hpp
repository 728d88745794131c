#pragma once
// Test support of src/passkey's unit tests: a small CBOR writer and a software authenticator's
// keys (OpenSSL), so that tests build real credentials and assertions.

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

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

}  // namespace dfauth::passkey::test_support
