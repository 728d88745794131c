#include "passkey/parse.hpp"

#include <cbor.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "crypto/primitives.hpp"

namespace dfauth::passkey {
namespace {

struct CborDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborItem = std::unique_ptr<cbor_item_t, CborDeleter>;

/// Throws ParseError when a CBOR head in `bytes` declares more array or map entries, or a longer
/// string, than bytes remain: libcbor allocates a declared map or array before reading it, so
/// a 9-byte head could ask for gigabytes (found by tests/fuzz/passkey_parsers). Heads are read in
/// encoding order (string payloads skipped); an unreadable head ends the scan, libcbor judges it.
void CheckDeclaredSizes(std::string_view bytes, const char* what) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const uint8_t head = static_cast<uint8_t>(bytes[at++]);
    const int major = head >> 5, info = head & 0x1f;
    uint64_t arg = static_cast<uint64_t>(info);
    if (info >= 24 && info <= 27) {
      const std::size_t n = std::size_t{1} << (info - 24);
      if (bytes.size() - at < n) return;
      arg = 0;
      for (std::size_t i = 0; i < n; ++i) arg = (arg << 8) | static_cast<uint8_t>(bytes[at++]);
    } else if (info > 27) {
      continue;  // indefinite length or break (31); 28-30 are refused by libcbor
    }
    const uint64_t remaining = bytes.size() - at;
    if ((major == 2 || major == 3) && arg > remaining) throw ParseError(std::string(what) + ": string longer than the input");
    if (major == 2 || major == 3) at += static_cast<std::size_t>(arg);
    if (major == 4 && arg > remaining) throw ParseError(std::string(what) + ": array longer than the input");
    if (major == 5 && arg > remaining / 2) throw ParseError(std::string(what) + ": map longer than the input");
  }
}

/// One whole CBOR item from `bytes`; `consumed` says how many bytes it took.
CborItem LoadCbor(std::string_view bytes, std::size_t* consumed, const char* what) {
  CheckDeclaredSizes(bytes, what);
  cbor_load_result result{};
  cbor_item_t* item = cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result);
  if (item == nullptr || result.error.code != CBOR_ERR_NONE) {
    if (item) cbor_decref(&item);
    throw ParseError(std::string(what) + ": malformed CBOR");
  }
  *consumed = result.read;
  return CborItem(item);
}

std::string Bytes(const cbor_item_t* item, const char* what) {
  if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
    throw ParseError(std::string(what) + ": not a byte string");
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)), cbor_bytestring_length(item));
}

std::string Text(const cbor_item_t* item, const char* what) {
  if (!cbor_isa_string(item) || !cbor_string_is_definite(item))
    throw ParseError(std::string(what) + ": not a text string");
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)), cbor_string_length(item));
}

/// A CBOR integer (major type 0 or 1) as int64; ParseError when it does not fit.
int64_t Int(const cbor_item_t* item, const char* what) {
  if (cbor_isa_uint(item)) {
    const uint64_t v = cbor_get_int(item);
    if (v > static_cast<uint64_t>(INT64_MAX)) throw ParseError(std::string(what) + ": integer too large");
    return static_cast<int64_t>(v);
  }
  if (cbor_isa_negint(item)) {
    const uint64_t v = cbor_get_int(item);  // the value is -1 - v
    if (v > static_cast<uint64_t>(INT64_MAX)) throw ParseError(std::string(what) + ": integer too small");
    return -1 - static_cast<int64_t>(v);
  }
  throw ParseError(std::string(what) + ": not an integer");
}

const cbor_pair* MapPairs(const cbor_item_t* item, const char* what, std::size_t* size) {
  if (!cbor_isa_map(item) || !cbor_map_is_definite(item)) throw ParseError(std::string(what) + ": not a map");
  *size = cbor_map_size(item);
  return cbor_map_handle(item);
}

/// `bytes` as exactly one definite CBOR map (nothing after it); `size` gets its pair count.
CborItem LoadWholeMap(std::string_view bytes, const char* what, std::size_t* size) {
  std::size_t used = 0;
  CborItem item = LoadCbor(bytes, &used, what);
  if (used != bytes.size()) throw ParseError(std::string(what) + ": trailing bytes");
  MapPairs(item.get(), what, size);
  return item;
}

uint32_t BigEndian32(std::string_view b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) | (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) | uint32_t{static_cast<uint8_t>(b[3])};
}

}  // namespace

AuthenticatorData ParseAuthenticatorData(std::string_view bytes) {
  constexpr std::size_t kFixed = 37;  // rpIdHash 32, flags 1, signCount 4
  if (bytes.size() < kFixed) throw ParseError("authenticatorData: shorter than 37 bytes");
  AuthenticatorData out;
  out.rp_id_hash = std::string(bytes.substr(0, 32));
  out.flags = static_cast<uint8_t>(bytes[32]);
  out.sign_count = BigEndian32(bytes.substr(33, 4));
  std::string_view rest = bytes.substr(kFixed);
  if (out.flags & kFlagAt) {
    if (rest.size() < 18) throw ParseError("authenticatorData: attested credential data truncated");
    AttestedCredential cred;
    cred.aaguid = std::string(rest.substr(0, 16));
    const std::size_t id_length = (std::size_t{static_cast<uint8_t>(rest[16])} << 8) | static_cast<uint8_t>(rest[17]);
    rest.remove_prefix(18);
    if (id_length == 0 || id_length > kMaxCredentialIdLength)
      throw ParseError("authenticatorData: credential id length out of range");
    if (rest.size() < id_length) throw ParseError("authenticatorData: credential id truncated");
    cred.credential_id = std::string(rest.substr(0, id_length));
    rest.remove_prefix(id_length);
    if (rest.empty()) throw ParseError("authenticatorData: credential public key missing");
    std::size_t used = 0;
    CborItem key = LoadCbor(rest, &used, "credentialPublicKey");
    cred.public_key = std::string(rest.substr(0, used));
    ParseCoseKey(cred.public_key);  // its shape now, so a bad key is a 400 at registration
    rest.remove_prefix(used);
    out.attested = std::move(cred);
  }
  if (out.flags & kFlagEd) {
    if (rest.empty()) throw ParseError("authenticatorData: ED set without extensions");
    std::size_t used = 0;
    CborItem ext = LoadCbor(rest, &used, "extensions");
    std::size_t n = 0;
    MapPairs(ext.get(), "extensions", &n);
    out.extensions = std::string(rest.substr(0, used));
    rest.remove_prefix(used);
  }
  if (!rest.empty()) throw ParseError("authenticatorData: trailing bytes");
  return out;
}

CoseKey ParseCoseKey(std::string_view cbor) {
  std::size_t n = 0;
  CborItem item = LoadWholeMap(cbor, "COSE key", &n);
  const cbor_pair* pairs = cbor_map_handle(item.get());
  CoseKey key;
  bool has_kty = false, has_alg = false;
  for (std::size_t i = 0; i < n; ++i) {
    const int64_t label = Int(pairs[i].key, "COSE key label");
    const cbor_item_t* v = pairs[i].value;
    switch (label) {
      case 1: key.kty = Int(v, "COSE kty"); has_kty = true; break;
      case 3: key.alg = Int(v, "COSE alg"); has_alg = true; break;
      case -1:
        if (key.kty == 3 || cbor_isa_bytestring(v)) key.n = Bytes(v, "COSE n");  // RSA n, or EC crv below
        else key.crv = Int(v, "COSE crv");
        break;
      case -2:
        if (cbor_isa_bytestring(v)) { key.x = Bytes(v, "COSE x/e"); key.e = key.x; }
        else throw ParseError("COSE key: -2 not a byte string");
        break;
      case -3: key.y = Bytes(v, "COSE y"); break;
      default: break;
    }
  }
  if (!has_kty || !has_alg) throw ParseError("COSE key: kty or alg missing");
  // Labels -1/-2 mean n/e for RSA and crv/x for EC2 and OKP.
  if (key.kty == 3) {
    if (key.n.empty() || key.e.empty()) throw ParseError("COSE RSA key: n or e missing");
    key.x.clear();
  } else if (key.kty == 2 || key.kty == 1) {
    key.e.clear();
    if (!key.n.empty()) throw ParseError("COSE key: crv not an integer");
    if (key.x.empty() || (key.kty == 2 && key.y.empty())) throw ParseError("COSE key: coordinates missing");
  } else {
    throw ParseError("COSE key: unsupported kty");
  }
  return key;
}

AttestationObject ParseAttestationObject(std::string_view cbor) {
  std::size_t n = 0;
  CborItem item = LoadWholeMap(cbor, "attestationObject", &n);
  const cbor_pair* pairs = cbor_map_handle(item.get());
  AttestationObject out;
  bool has_fmt = false, has_auth = false;
  const cbor_item_t* stmt = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = Text(pairs[i].key, "attestationObject key");
    if (name == "fmt") { out.fmt = Text(pairs[i].value, "fmt"); has_fmt = true; }
    else if (name == "authData") { out.auth_data = Bytes(pairs[i].value, "authData"); has_auth = true; }
    else if (name == "attStmt") stmt = pairs[i].value;
  }
  if (!has_fmt || !has_auth || stmt == nullptr) throw ParseError("attestationObject: fmt, attStmt or authData missing");
  std::size_t sn = 0;
  const cbor_pair* sp = MapPairs(stmt, "attStmt", &sn);
  if (out.fmt == "none") {
    if (sn != 0) throw ParseError("attStmt: not empty for fmt none");
  } else if (out.fmt == "packed") {
    for (std::size_t i = 0; i < sn; ++i) {
      const std::string name = Text(sp[i].key, "attStmt key");
      if (name == "alg") out.alg = Int(sp[i].value, "attStmt alg");
      else if (name == "sig") out.sig = Bytes(sp[i].value, "attStmt sig");
      else if (name == "x5c") {
        const cbor_item_t* chain = sp[i].value;
        if (!cbor_isa_array(chain) || !cbor_array_is_definite(chain) || cbor_array_size(chain) == 0)
          throw ParseError("attStmt x5c: not a non-empty array");
        for (std::size_t c = 0; c < cbor_array_size(chain); ++c) {
          std::string der = Bytes(cbor_array_handle(chain)[c], "attStmt x5c certificate");
          if (c == 0) out.x5c_leaf = std::move(der);
        }
      }
    }
    if (!out.alg || out.sig.empty()) throw ParseError("attStmt: alg or sig missing for fmt packed");
  }
  // Another format parses; the ceremony refuses it as unsupported.
  return out;
}

ClientData ParseClientData(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw ParseError("clientDataJSON: not a JSON object");
  ClientData out;
  for (const char* member : {"type", "challenge", "origin"}) {
    auto it = doc.find(member);
    if (it == doc.end() || !it->is_string()) throw ParseError(std::string("clientDataJSON: ") + member + " missing");
  }
  out.type = doc["type"].get<std::string>();
  out.challenge = doc["challenge"].get<std::string>();
  out.origin = doc["origin"].get<std::string>();
  if (auto it = doc.find("crossOrigin"); it != doc.end()) {
    if (!it->is_boolean()) throw ParseError("clientDataJSON: crossOrigin not a boolean");
    out.cross_origin = it->get<bool>();
  }
  return out;
}

std::string DecodeBase64Url(std::string_view text, std::string_view what) {
  // The JSON serialisation has no padding; '=' or a stray character is malformed.
  if (text.find('=') != std::string_view::npos) throw ParseError(std::string(what) + ": padded base64url");
  auto bytes = crypto::Base64UrlDecode(text);
  if (!bytes) throw ParseError(std::string(what) + ": not base64url");
  return *bytes;
}

}  // namespace dfauth::passkey
