#include "passkey/signature.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

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
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

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

}  // namespace

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
  if (!pkey) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  const EVP_MD* digest = key.alg == kAlgEdDsa ? nullptr : EVP_sha256();
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(md.get(), U(signature), signature.size(), U(message), message.size()) == 1;
}

std::string SignedMessage(std::string_view authenticator_data, std::string_view client_data_json) {
  return std::string(authenticator_data) + crypto::Sha256(client_data_json);
}

}  // namespace dfauth::passkey
