#include "crypto/primitives.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace dfauth::crypto {
namespace {

void EnsureSodium() {
  // sodium_init is idempotent and thread-safe; the static makes it run once per process.
  static const int kInit = sodium_init();
  if (kInit < 0) throw std::runtime_error("libsodium initialisation failed");
}

// OpenSSL 3 fetches algorithm implementations by name on every implicit use (about 1 µs per
// HMAC); fetching once keeps the token hot path cheap (cpp-stack.md §5 item 12).
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL SHA256 unavailable");
  return md;
}

const EVP_MD* Sha1Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL SHA1 unavailable");
  return md;
}

/// `Md`'s digest of `data`, `size` bytes long.
std::string Digest(std::string_view data, const EVP_MD* md, unsigned int size, const char* name) {
  std::string out(size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len, md, nullptr) != 1 ||
      len != size) {
    throw std::runtime_error(std::string(name) + " failed");
  }
  return out;
}

// A keyless HMAC-SHA256 context to duplicate per call: setting the digest by name on every
// call would fetch it again, the cost the prefetch avoids.
const EVP_MAC_CTX* HmacTemplate() {
  static EVP_MAC_CTX* const kTemplate = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) throw std::runtime_error("OpenSSL HMAC unavailable");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context keeps its own reference
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) {
      throw std::runtime_error("OpenSSL HMAC-SHA256 unavailable");
    }
    return ctx;
  }();
  return kTemplate;
}

constexpr char kB64Std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kB64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Encode(std::string_view bytes, const char* alphabet, bool padding) {
  // Every issued token encodes its three segments: size the output once, write by index.
  const std::size_t whole = bytes.size() / 3;
  const std::size_t rest = bytes.size() - whole * 3;
  const std::size_t length = whole * 4 + (rest == 0 ? 0 : padding ? 4 : rest + 1);
  std::string out(length, '=');
  std::size_t n = 0;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out[n++] = alphabet[(v >> 18) & 63];
    out[n++] = alphabet[(v >> 12) & 63];
    out[n++] = alphabet[(v >> 6) & 63];
    out[n++] = alphabet[v & 63];
  }
  if (rest == 1) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out[n++] = alphabet[(v >> 18) & 63];
    out[n++] = alphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out[n++] = alphabet[(v >> 18) & 63];
    out[n++] = alphabet[(v >> 12) & 63];
    out[n++] = alphabet[(v >> 6) & 63];
  }
  return out;  // with padding, the '=' it was filled with close the last quantum
}

using DecodeTable = std::array<int8_t, 256>;

constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i) table[uint8_t(alphabet[i])] = int8_t(i);
  return table;
}

constexpr DecodeTable kB64StdTable = MakeDecodeTable(kB64Std);
constexpr DecodeTable kB64UrlTable = MakeDecodeTable(kB64Url);

std::optional<std::string> Decode(std::string_view text, const DecodeTable& table) {
  // Padding is optional, but when present it must complete the last quantum exactly.
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  std::size_t pad = text.size() - end;
  if (pad > 2) return std::nullopt;
  if (pad > 0 && text.size() % 4 != 0) return std::nullopt;
  if (end % 4 == 1) return std::nullopt;

  // Every token check decodes three segments: write into a buffer sized once.
  std::string out(end * 6 / 8, '\0');
  std::size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = 0; i < end; ++i) {
    int8_t v = table[uint8_t(text[i])];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = char((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, so that each byte string has exactly one encoding.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string RandomBytes(std::size_t n) {
  EnsureSodium();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string RandomHex(std::size_t n) { return HexEncode(RandomBytes(n)); }

uint32_t RandomUniform(uint32_t upper_exclusive) {
  EnsureSodium();
  if (upper_exclusive == 0) return 0;
  return randombytes_uniform(upper_exclusive);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64UrlEncode(std::string_view bytes, bool padding) {
  return Encode(bytes, kB64Url, padding);
}

std::optional<std::string> Base64UrlDecode(std::string_view text) { return Decode(text, kB64UrlTable); }

std::string Base64Encode(std::string_view bytes) { return Encode(bytes, kB64Std, true); }

std::optional<std::string> Base64Decode(std::string_view text) { return Decode(text, kB64StdTable); }

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

uint64_t KeyedHash64(std::string_view key, std::string_view data) {
  static_assert(crypto_shorthash_BYTES == sizeof(uint64_t));
  if (key.size() != crypto_shorthash_KEYBYTES) throw std::invalid_argument("KeyedHash64 key size");
  EnsureSodium();
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                   reinterpret_cast<const unsigned char*>(key.data()));
  uint64_t value = 0;
  for (int i = crypto_shorthash_BYTES - 1; i >= 0; --i) value = (value << 8) | out[i];
  return value;
}

std::string Sha256(std::string_view data) { return Digest(data, Sha256Md(), 32, "SHA-256"); }

std::string Sha1(std::string_view data) { return Digest(data, Sha1Md(), 20, "SHA-1"); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  // Each thread keeps a context keyed with the last key it used: re-initialising it with a null
  // key restarts from the stored inner and outer pads, so the key schedule (two more SHA-256
  // blocks, and OpenSSL's parameter handling) is paid once per key and thread, not per token.
  struct Keyed {
    std::string key;
    std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx{nullptr, &EVP_MAC_CTX_free};
    ~Keyed() { OPENSSL_cleanse(key.data(), key.size()); }
  };
  thread_local Keyed keyed;
  if (!keyed.ctx || !ConstantTimeEquals(keyed.key, key)) {
    keyed.ctx.reset(EVP_MAC_CTX_dup(HmacTemplate()));
    if (!keyed.ctx) throw std::runtime_error("HMAC context allocation failed");
    // An empty key is legal for HMAC, but OpenSSL wants a non-null pointer.
    static const unsigned char kEmpty = 0;
    const unsigned char* key_ptr =
        key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    OPENSSL_cleanse(keyed.key.data(), keyed.key.size());
    keyed.key.clear();
    if (EVP_MAC_init(keyed.ctx.get(), key_ptr, key.size(), nullptr) != 1) {
      keyed.ctx.reset();
      throw std::runtime_error("HMAC-SHA256 failed");
    }
    keyed.key.assign(key);
  } else if (EVP_MAC_init(keyed.ctx.get(), nullptr, 0, nullptr) != 1) {
    keyed.ctx.reset();
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  std::string out(32, '\0');
  std::size_t len = 0;
  if (EVP_MAC_update(keyed.ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(keyed.ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                    out.size()) != 1 ||
      len != 32) {
    keyed.ctx.reset();
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return out;
}

}  // namespace dfauth::crypto
