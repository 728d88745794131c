#include "passkey/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "crypto/primitives.hpp"

namespace dfauth::passkey {
namespace {

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
struct CtxFree { void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); } };
struct MdCtxFree { void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); } };
struct BldFree { void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); } };
struct ParamFree { void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); } };
struct BnFree { void operator()(BIGNUM* p) const { BN_free(p); } };
struct X509Free { void operator()(X509* p) const { X509_free(p); } };
struct ObjFree { void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Certificate = std::unique_ptr<X509, X509Free>;

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Pkey FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return Pkey(key);
}

Pkey ToPkey(const CoseKey& key) {
  if (!IsAcceptedKey(key)) return nullptr;
  if (key.alg == kAlgEdDsa)
    return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(key.x), key.x.size()));
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) return nullptr;
  if (key.alg == kAlgEs256) {
    const std::string point = "\x04" + key.x + key.y;
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
      return nullptr;
    return FromParams("EC", bld.get());
  }
  std::unique_ptr<BIGNUM, BnFree> n(BN_bin2bn(U(key.n), static_cast<int>(key.n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnFree> e(BN_bin2bn(U(key.e), static_cast<int>(key.e.size()), nullptr));
  if (!n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1)
    return nullptr;
  return FromParams("RSA", bld.get());
}

bool VerifyWith(EVP_PKEY* pkey, int64_t alg, std::string_view message, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  const EVP_MD* digest = alg == kAlgEdDsa ? nullptr : EVP_sha256();
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, pkey) != 1) return false;
  return EVP_DigestVerify(md.get(), U(signature), signature.size(), U(message), message.size()) == 1;
}

/// The certificate in `der` when it is exactly one DER X.509 certificate.
Certificate ParseCertificate(std::string_view der) {
  const unsigned char* p = U(der);
  Certificate cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != U(der) + der.size()) return nullptr;
  return cert;
}

/// Whether the certificate's key is of the type `alg` names.
bool KeyFits(EVP_PKEY* pkey, int64_t alg) {
  switch (alg) {
    case kAlgEs256: {
      char group[32] = {};
      size_t len = 0;
      return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
             EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 &&
             std::string_view(group, len) == "prime256v1";
    }
    case kAlgEdDsa: return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519;
    case kAlgRs256: return EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA && EVP_PKEY_get_bits(pkey) >= 2048;
    default: return false;
  }
}

/// The one entry of `nid` in `name` as text, or "" when it is absent, repeated or not text.
std::string NameEntry(const X509_NAME* name, int nid) {
  const int at = X509_NAME_get_index_by_NID(name, nid, -1);
  if (at < 0 || X509_NAME_get_index_by_NID(name, nid, at) >= 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

AttestationCertificate ReadAttestationCertificate(std::string_view der) {
  Certificate cert = ParseCertificate(der);
  if (!cert) throw ParseError("attStmt x5c: not one DER X.509 certificate");
  AttestationCertificate out;
  out.version = X509_get_version(cert.get()) + 1;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  out.subject_complete = !NameEntry(subject, NID_countryName).empty() &&
                         !NameEntry(subject, NID_organizationName).empty() &&
                         !NameEntry(subject, NID_commonName).empty() &&
                         NameEntry(subject, NID_organizationalUnitName) == "Authenticator Attestation";
  // X509_get_extension_flags caches the parsed extensions; EXFLAG_INVALID marks a malformed one.
  const uint32_t flags = X509_get_extension_flags(cert.get());
  if (flags & EXFLAG_INVALID) throw ParseError("attStmt x5c: malformed certificate extensions");
  out.is_ca = (flags & EXFLAG_CA) != 0;
  std::unique_ptr<ASN1_OBJECT, ObjFree> aaguid_oid(OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1));
  const int at = aaguid_oid ? X509_get_ext_by_OBJ(cert.get(), aaguid_oid.get(), -1) : -1;
  if (at >= 0) {
    X509_EXTENSION* ext = X509_get_ext(cert.get(), at);
    out.aaguid_present = true;
    out.aaguid_critical = X509_EXTENSION_get_critical(ext) != 0;
    // The extension's value is the DER of an OCTET STRING of the 16 AAGUID bytes.
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
    const std::string_view inner(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                                 static_cast<std::size_t>(ASN1_STRING_length(value)));
    if (inner.size() == 18 && inner[0] == '\x04' && inner[1] == '\x10') out.aaguid = std::string(inner.substr(2));
  }
  return out;
}

bool VerifyCertificateSignature(std::string_view der, int64_t alg, std::string_view message,
                                std::string_view signature) {
  Certificate cert = ParseCertificate(der);
  EVP_PKEY* pkey = cert ? X509_get0_pubkey(cert.get()) : nullptr;
  return pkey && KeyFits(pkey, alg) && VerifyWith(pkey, alg, message, signature);
}

bool IsAcceptedKey(const CoseKey& key) {
  switch (key.alg) {
    case kAlgEs256: return key.kty == 2 && key.crv == 1 && key.x.size() == 32 && key.y.size() == 32;
    case kAlgEdDsa: return key.kty == 1 && key.crv == 6 && key.x.size() == 32;
    case kAlgRs256: {
      std::string_view n = key.n;
      while (!n.empty() && n.front() == '\0') n.remove_prefix(1);
      return key.kty == 3 && n.size() >= 256 && !key.e.empty() && key.e.size() <= 8;
    }
    default: return false;
  }
}

bool VerifySignature(const CoseKey& key, std::string_view message, std::string_view signature) {
  Pkey pkey = ToPkey(key);
  return pkey && VerifyWith(pkey.get(), key.alg, message, signature);
}

std::string SignedMessage(std::string_view authenticator_data, std::string_view client_data_json) {
  return std::string(authenticator_data) + crypto::Sha256(client_data_json);
}

}  // namespace dfauth::passkey
