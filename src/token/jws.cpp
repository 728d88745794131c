#include "token/jws.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/primitives.hpp"
#include "token/json_object.hpp"

namespace dfauth::token {
namespace {

using Json = nlohmann::json;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
void FreeBio(BIO* bio) { BIO_free(bio); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, FreeBio>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EcSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;

constexpr std::size_t kEs256Half = 32;

std::shared_ptr<EVP_PKEY> Wrap(EVP_PKEY* pkey) {
  if (pkey == nullptr) return nullptr;
  return std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

// Prefetched once (cpp-stack.md §5 item 12): passing a legacy EVP_sha256() would fetch anew.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string BnToBytes(const BIGNUM* bn, int pad_to = 0) {
  int len = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  int written = pad_to > 0 ? BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), len)
                           : BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  if (written != len) throw KeyError("big number does not fit");
  return out;
}

BnPtr BytesToBn(std::string_view bytes) {
  BnPtr bn(BN_bin2bn(Bytes(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw KeyError("big number allocation failed");
  return bn;
}

BnPtr GetBnParam(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) throw KeyError("key lacks a public component");
  return BnPtr(bn);
}

std::string GroupName(const EVP_PKEY* pkey) {
  char name[64] = {0};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) !=
      1) {
    return {};
  }
  return std::string(name, len);
}

// Whether `pkey` is a key of the kind `alg` needs (RFC 8725 §3.1: one algorithm per key).
bool PkeySuits(const EVP_PKEY* pkey, Algorithm alg) {
  if (pkey == nullptr) return false;
  switch (alg) {
    case Algorithm::kHS256:
      return false;
    case Algorithm::kRS256:
      return EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048;
    case Algorithm::kES256: {
      if (!EVP_PKEY_is_a(pkey, "EC")) return false;
      std::string group = GroupName(pkey);
      return group == "prime256v1" || group == "P-256";
    }
    case Algorithm::kEdDSA:
      return EVP_PKEY_is_a(pkey, "ED25519");
  }
  return false;
}

std::string_view KeyRequirement(Algorithm alg) {
  switch (alg) {
    case Algorithm::kRS256:
      return "an RSA key of at least 2048 bits";
    case Algorithm::kES256:
      return "an EC P-256 key";
    case Algorithm::kEdDSA:
      return "an Ed25519 key";
    case Algorithm::kHS256:
      return "a shared secret";
  }
  return "";
}

std::optional<std::string> DigestSign(EVP_PKEY* pkey, Algorithm alg, std::string_view input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return std::nullopt;
  const EVP_MD* md = alg == Algorithm::kEdDSA ? nullptr : Sha256Md();
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) return std::nullopt;
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(input), input.size()) != 1) {
    return std::nullopt;
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, Bytes(input),
                     input.size()) != 1) {
    return std::nullopt;
  }
  sig.resize(len);
  return sig;
}

bool DigestVerify(EVP_PKEY* pkey, Algorithm alg, std::string_view input, std::string_view sig) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  const EVP_MD* md = alg == Algorithm::kEdDSA ? nullptr : Sha256Md();
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pkey) != 1) return false;
  bool ok = EVP_DigestVerify(ctx.get(), Bytes(sig), sig.size(), Bytes(input), input.size()) == 1;
  ERR_clear_error();  // a failed verification leaves entries on the thread's error queue
  return ok;
}

// JWS ES256 signatures are r‖s, 32 bytes each (RFC 7518 §3.4); OpenSSL speaks DER.
std::optional<std::string> DerToRaw(std::string_view der) {
  const unsigned char* p = Bytes(der);
  EcSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BnToBytes(r, kEs256Half) + BnToBytes(s, kEs256Half);
}

std::optional<std::string> RawToDer(std::string_view raw) {
  if (raw.size() != 2 * kEs256Half) return std::nullopt;
  EcSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Bytes(raw), kEs256Half, nullptr);
  BIGNUM* s = BN_bin2bn(Bytes(raw) + kEs256Half, kEs256Half, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string der(static_cast<std::size_t>(len), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return std::nullopt;
  return der;
}

// RFC 7519 §5.1: "JWT", or its media type "application/jwt", compared case-insensitively
// (media types are, RFC 7515 §4.1.9). Our tokens say "JWT"; PyJWT's and simplejwt's too.
bool IsJwtType(const Json& typ) {
  if (!typ.is_string()) return false;
  std::string lower = typ.get<std::string>();
  for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return lower == "jwt" || lower == "application/jwt";
}

bool IsBase64UrlSegment(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string RequireString(const Json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    throw KeyError(std::string("JWK lacks \"") + name + "\"");
  }
  return it->get<std::string>();
}

std::string RequireB64(const Json& jwk, const char* name) {
  std::string text = RequireString(jwk, name);
  if (!IsBase64UrlSegment(text))
    throw KeyError(std::string("JWK \"") + name + "\" is not base64url");
  auto bytes = crypto::Base64UrlDecode(text);
  if (!bytes || bytes->empty())
    throw KeyError(std::string("JWK \"") + name + "\" is not base64url");
  return *bytes;
}

std::shared_ptr<EVP_PKEY> FromData(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
    ERR_clear_error();
    throw KeyError(std::string("JWK is not a valid ") + type + " key");
  }
  return Wrap(pkey);
}

std::shared_ptr<EVP_PKEY> RsaFromJwk(const Json& jwk) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> keep;  // the builder refers to the numbers until to_param
  auto push = [&](const char* param, const char* member) {
    keep.push_back(BytesToBn(RequireB64(jwk, member)));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, keep.back().get()) != 1) {
      throw KeyError("JWK parameter build failed");
    }
  };
  push(OSSL_PKEY_PARAM_RSA_N, "n");
  push(OSSL_PKEY_PARAM_RSA_E, "e");
  int selection = EVP_PKEY_PUBLIC_KEY;
  if (jwk.contains("d")) {
    selection = EVP_PKEY_KEYPAIR;
    push(OSSL_PKEY_PARAM_RSA_D, "d");
    if (jwk.contains("p")) {
      push(OSSL_PKEY_PARAM_RSA_FACTOR1, "p");
      push(OSSL_PKEY_PARAM_RSA_FACTOR2, "q");
      push(OSSL_PKEY_PARAM_RSA_EXPONENT1, "dp");
      push(OSSL_PKEY_PARAM_RSA_EXPONENT2, "dq");
      push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, "qi");
    }
  }
  return FromData("RSA", bld.get(), selection);
}

std::shared_ptr<EVP_PKEY> EcFromJwk(const Json& jwk) {
  if (RequireString(jwk, "crv") != "P-256") throw KeyError("only the P-256 curve is supported");
  std::string x = RequireB64(jwk, "x");
  std::string y = RequireB64(jwk, "y");
  if (x.size() != kEs256Half || y.size() != kEs256Half)
    throw KeyError("P-256 x/y must be 32 bytes");
  std::string point = "\x04" + x + y;
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  BnPtr d;
  int selection = EVP_PKEY_PUBLIC_KEY;
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw KeyError("JWK parameter build failed");
  }
  if (jwk.contains("d")) {
    selection = EVP_PKEY_KEYPAIR;
    d = BytesToBn(RequireB64(jwk, "d"));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1) {
      throw KeyError("JWK parameter build failed");
    }
  }
  auto pkey = FromData("EC", bld.get(), selection);
  // Invalid-curve attacks (RFC 8725 §3.4): the point must lie on P-256.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    throw KeyError("JWK point is not on P-256");
  }
  return pkey;
}

std::shared_ptr<EVP_PKEY> OkpFromJwk(const Json& jwk) {
  if (RequireString(jwk, "crv") != "Ed25519") throw KeyError("only the Ed25519 curve is supported");
  std::string x = RequireB64(jwk, "x");
  if (x.size() != 32) throw KeyError("Ed25519 x must be 32 bytes");
  if (jwk.contains("d")) {
    std::string d = RequireB64(jwk, "d");
    if (d.size() != 32) throw KeyError("Ed25519 d must be 32 bytes");
    auto pkey = Wrap(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, Bytes(d), d.size()));
    if (!pkey) throw KeyError("JWK is not a valid Ed25519 key");
    unsigned char pub[32];
    std::size_t len = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(pkey.get(), pub, &len) != 1 ||
        std::string_view(reinterpret_cast<char*>(pub), len) != x) {
      throw KeyError("JWK d does not match x");
    }
    return pkey;
  }
  auto pkey = Wrap(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, Bytes(x), x.size()));
  if (!pkey) throw KeyError("JWK is not a valid Ed25519 key");
  return pkey;
}

// Public members as (name, base64url value) in the lexicographic order RFC 7638 wants.
std::vector<std::pair<std::string, std::string>> PublicMembers(const Key& key) {
  EVP_PKEY* pkey = key.pkey.get();
  if (key.alg == Algorithm::kHS256 || pkey == nullptr) throw KeyError("not an asymmetric key");
  switch (key.alg) {
    case Algorithm::kRS256:
      return {
          {"e", crypto::Base64UrlEncode(BnToBytes(GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_E).get()))},
          {"kty", "RSA"},
          {"n", crypto::Base64UrlEncode(BnToBytes(GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N).get()))}};
    case Algorithm::kES256:
      return {{"crv", "P-256"},
              {"kty", "EC"},
              {"x", crypto::Base64UrlEncode(
                        BnToBytes(GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X).get(), kEs256Half))},
              {"y", crypto::Base64UrlEncode(
                        BnToBytes(GetBnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y).get(), kEs256Half))}};
    case Algorithm::kEdDSA: {
      unsigned char pub[32];
      std::size_t len = sizeof pub;
      if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1)
        throw KeyError("no Ed25519 public key");
      return {{"crv", "Ed25519"},
              {"kty", "OKP"},
              {"x", crypto::Base64UrlEncode(std::string_view(reinterpret_cast<char*>(pub), len))}};
    }
    case Algorithm::kHS256:
      break;
  }
  throw KeyError("not an asymmetric key");
}

int NoPassphrase(char*, int, int, void*) { return -1; }  // never prompt on a terminal

}  // namespace

std::string_view AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kHS256:
      return "HS256";
    case Algorithm::kRS256:
      return "RS256";
    case Algorithm::kES256:
      return "ES256";
    case Algorithm::kEdDSA:
      return "EdDSA";
  }
  return "";
}

std::optional<Algorithm> ParseAlgorithm(std::string_view name) {
  for (Algorithm alg :
       {Algorithm::kHS256, Algorithm::kRS256, Algorithm::kES256, Algorithm::kEdDSA}) {
    if (AlgorithmName(alg) == name) return alg;
  }
  return std::nullopt;
}

std::string MakeHeader(const Key& key) {
  nlohmann::ordered_json header;
  header["alg"] = AlgorithmName(key.alg);
  if (!key.kid.empty()) header["kid"] = key.kid;
  header["typ"] = "JWT";
  return header.dump();
}

std::string Sign(std::string_view header_json, std::string_view payload_json, const Key& key) {
  std::string input =
      crypto::Base64UrlEncode(header_json) + '.' + crypto::Base64UrlEncode(payload_json);
  std::string sig;
  if (key.alg == Algorithm::kHS256) {
    if (key.secret.empty()) throw KeyError("HS256 needs a non-empty secret");
    sig = crypto::HmacSha256(key.secret, input);
  } else {
    if (!PkeySuits(key.pkey.get(), key.alg)) {
      throw KeyError(std::string(AlgorithmName(key.alg)) + " needs " +
                     std::string(KeyRequirement(key.alg)));
    }
    auto raw = DigestSign(key.pkey.get(), key.alg, input);
    if (raw && key.alg == Algorithm::kES256) raw = DerToRaw(*raw);
    if (!raw) {
      ERR_clear_error();
      throw KeyError("signing failed (is it a private key?)");
    }
    sig = std::move(*raw);
  }
  input += '.';
  input += crypto::Base64UrlEncode(sig);
  return input;
}

namespace {

/// The signature of `input` (the token's header.payload) under `key`, for `alg` only.
bool SignatureMatches(const Key& key, Algorithm alg, std::string_view input, const std::string& sig) {
  switch (alg) {
    case Algorithm::kHS256:
      return !key.secret.empty() && crypto::ConstantTimeEquals(crypto::HmacSha256(key.secret, input), sig);
    case Algorithm::kES256: {
      if (!PkeySuits(key.pkey.get(), alg)) return false;
      auto der = RawToDer(sig);
      return der && DigestVerify(key.pkey.get(), alg, input, *der);
    }
    case Algorithm::kRS256:
    case Algorithm::kEdDSA:
      return PkeySuits(key.pkey.get(), alg) && DigestVerify(key.pkey.get(), alg, input, sig);
  }
  return false;
}

}  // namespace

std::optional<VerifiedJws> Verify(std::string_view token, Algorithm expected,
                                  const KeyLookup& lookup) {
  if (token.empty() || token.size() > kMaxTokenLength) return std::nullopt;
  std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view h64 = token.substr(0, dot1);
  std::string_view p64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view s64 = token.substr(dot2 + 1);
  if (h64.empty() || s64.empty()) return std::nullopt;
  if (!IsBase64UrlSegment(h64) || !IsBase64UrlSegment(p64) || !IsBase64UrlSegment(s64)) {
    return std::nullopt;
  }
  auto header_text = crypto::Base64UrlDecode(h64);
  auto payload_text = crypto::Base64UrlDecode(p64);
  auto sig = crypto::Base64UrlDecode(s64);
  if (!header_text || !payload_text || !sig) return std::nullopt;

  // One member name once: {"alg":"none","alg":"HS256"} must not read as HS256 here and as
  // none elsewhere.
  std::optional<Json> parsed = ParseUniqueObject(*header_text);
  if (!parsed) return std::nullopt;
  const Json& header = *parsed;
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() ||
      alg->get_ref<const std::string&>() != AlgorithmName(expected)) {
    return std::nullopt;
  }
  // We understand no extension, so any critical one makes the token unusable (RFC 7515 §4.1.11).
  if (header.contains("crit")) return std::nullopt;
  // Explicit typing (RFC 8725 §3.11): a header that names its type must name a JWT.
  if (auto typ = header.find("typ"); typ != header.end() && !IsJwtType(*typ)) return std::nullopt;
  std::string kid;
  if (auto it = header.find("kid"); it != header.end()) {
    if (!it->is_string()) return std::nullopt;
    kid = it->get<std::string>();
  }

  const Key* key = lookup ? lookup(kid) : nullptr;
  if (key == nullptr || key->alg != expected) return std::nullopt;

  if (!SignatureMatches(*key, expected, token.substr(0, dot2), *sig)) return std::nullopt;
  return VerifiedJws{std::move(*header_text), std::move(*payload_text)};
}

Key LoadPrivateKeyPem(std::string_view pem, Algorithm alg) {
  if (alg == Algorithm::kHS256) throw KeyError("HS256 uses SECRET_KEY, not a key file");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw KeyError("out of memory");
  auto pkey = Wrap(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!pkey) throw KeyError("not an unencrypted PEM private key");
  if (!PkeySuits(pkey.get(), alg)) {
    throw KeyError(std::string(AlgorithmName(alg)) + " needs " + std::string(KeyRequirement(alg)));
  }
  Key key{alg, "", "", std::move(pkey)};
  key.kid = Thumbprint(key);
  return key;
}

Key LoadPrivateKeyFile(const std::string& path, Algorithm alg) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError("JWT_PRIVATE_KEY_FILE: cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return LoadPrivateKeyPem(text.str(), alg);
  } catch (const KeyError& e) {
    throw KeyError("JWT_PRIVATE_KEY_FILE: " + path + ": " + e.what());
  }
}

Key GenerateKeyPair(Algorithm alg) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case Algorithm::kRS256:
      raw = EVP_RSA_gen(2048);
      break;
    case Algorithm::kES256:
      raw = EVP_EC_gen("P-256");
      break;
    case Algorithm::kEdDSA:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case Algorithm::kHS256:
      throw KeyError("HS256 has no key pair");
  }
  if (raw == nullptr) {
    ERR_clear_error();
    throw KeyError("key generation failed");
  }
  Key key{alg, "", "", Wrap(raw)};
  key.kid = Thumbprint(key);
  return key;
}

std::string PrivateKeyPem(const Key& key) {
  if (!key.pkey) throw KeyError("not an asymmetric key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    ERR_clear_error();
    throw KeyError("cannot write the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string PublicKeyPem(const Key& key) {
  if (!key.pkey) throw KeyError("not an asymmetric key");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.pkey.get()) != 1) {
    ERR_clear_error();
    throw KeyError("cannot write the public key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

Key KeyFromJwk(std::string_view jwk_json) {
  Json jwk = Json::parse(jwk_json, nullptr, false);
  if (jwk.is_discarded() || !jwk.is_object()) throw KeyError("JWK is not a JSON object");
  std::string kty = RequireString(jwk, "kty");
  Key key;
  if (kty == "oct") {
    key.alg = Algorithm::kHS256;
    key.secret = RequireB64(jwk, "k");
  } else if (kty == "RSA") {
    key.alg = Algorithm::kRS256;
    key.pkey = RsaFromJwk(jwk);
  } else if (kty == "EC") {
    key.alg = Algorithm::kES256;
    key.pkey = EcFromJwk(jwk);
  } else if (kty == "OKP") {
    key.alg = Algorithm::kEdDSA;
    key.pkey = OkpFromJwk(jwk);
  } else {
    throw KeyError("unsupported JWK kty \"" + kty + "\"");
  }
  if (jwk.contains("alg")) {
    auto alg = ParseAlgorithm(RequireString(jwk, "alg"));
    if (!alg || *alg != key.alg) throw KeyError("JWK alg does not match its kty");
  }
  if (key.pkey && !PkeySuits(key.pkey.get(), key.alg)) {
    throw KeyError(std::string(AlgorithmName(key.alg)) + " needs " +
                   std::string(KeyRequirement(key.alg)));
  }
  if (auto it = jwk.find("kid"); it != jwk.end() && it->is_string())
    key.kid = it->get<std::string>();
  return key;
}

std::string PublicJwk(const Key& key) {
  nlohmann::ordered_json jwk = nlohmann::ordered_json::object();
  for (auto& [name, value] : PublicMembers(key)) jwk[name] = value;
  return jwk.dump();
}

std::string Thumbprint(const Key& key) {
  // RFC 7638 §3: required members only, sorted, no whitespace. Our values are base64url or
  // fixed names, which need no JSON escaping.
  std::string canonical = "{";
  bool first = true;
  for (auto& [name, value] : PublicMembers(key)) {
    if (!first) canonical += ',';
    first = false;
    canonical += '"' + name + "\":\"" + value + '"';
  }
  canonical += '}';
  return crypto::Base64UrlEncode(crypto::Sha256(canonical));
}

}  // namespace dfauth::token
