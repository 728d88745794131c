#include "crypto/password.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <vector>

#include "crypto/primitives.hpp"

namespace dfauth::crypto {
namespace {

// Bounds on what a stored string may ask of us: a corrupted or hostile row must not make one
// login allocate gigabytes or spin for minutes.
constexpr uint64_t kMaxArgonMemoryKib = 1024 * 1024;  // 1 GiB
constexpr uint64_t kMaxArgonTime = 64;
constexpr uint64_t kMaxPbkdf2Iterations = 10'000'000;
constexpr std::size_t kMaxStoredLength = 512;

void EnsureSodium() {
  static const int kInit = sodium_init();
  if (kInit < 0) throw std::runtime_error("libsodium initialisation failed");
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

struct Argon2Cost {
  bool is_id = false;
  uint64_t memory_kib = 0;
  uint64_t time_cost = 0;
};

// Reads "$argon2id$v=19$m=…,t=…,p=…$salt$hash"; nullopt when it is not that shape.
std::optional<Argon2Cost> ParseArgon2(std::string_view phc) {
  auto parts = Split(phc, '$');
  if (parts.size() != 6 || !parts[0].empty()) return std::nullopt;
  Argon2Cost cost;
  if (parts[1] == "argon2id") {
    cost.is_id = true;
  } else if (parts[1] != "argon2i") {
    return std::nullopt;
  }
  if (parts[2] != "v=19") return std::nullopt;
  auto fields = Split(parts[3], ',');
  if (fields.size() != 3) return std::nullopt;
  std::optional<uint64_t> m, t, p;
  for (auto f : fields) {
    if (f.size() < 3 || f[1] != '=') return std::nullopt;
    auto value = ParseDecimal(f.substr(2));
    if (!value) return std::nullopt;
    switch (f[0]) {
      case 'm':
        m = value;
        break;
      case 't':
        t = value;
        break;
      case 'p':
        p = value;
        break;
      default:
        return std::nullopt;
    }
  }
  if (!m || !t || !p || *m == 0 || *t == 0 || *p == 0) return std::nullopt;
  if (*m > kMaxArgonMemoryKib || *t > kMaxArgonTime) return std::nullopt;
  if (parts[4].empty() || parts[5].empty()) return std::nullopt;
  cost.memory_kib = *m;
  cost.time_cost = *t;
  return cost;
}

VerifyResult VerifyArgon2(std::string_view password, std::string_view phc, bool legacy_wrapper,
                          const Argon2Params& params) {
  auto cost = ParseArgon2(phc);
  if (!cost) return {};
  EnsureSodium();
  const std::string terminated(phc);  // libsodium reads a C string
  if (crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) != 0) {
    return {};
  }
  bool weaker =
      !cost->is_id || cost->memory_kib < params.memory_kib || cost->time_cost < params.time_cost;
  return {true, legacy_wrapper || weaker};
}

// Django's PBKDF2PasswordHasher: "pbkdf2_sha256$<iterations>$<salt>$<base64 of 32 bytes>".
VerifyResult VerifyDjangoPbkdf2(std::string_view password, std::string_view stored) {
  auto parts = Split(stored, '$');
  if (parts.size() != 4 || parts[0] != "pbkdf2_sha256") return {};
  auto iterations = ParseDecimal(parts[1]);
  if (!iterations || *iterations == 0 || *iterations > kMaxPbkdf2Iterations) return {};
  std::string_view salt = parts[2];
  if (salt.empty()) return {};
  auto expected = Base64Decode(parts[3]);
  if (!expected || expected->size() != 32) return {};
  if (password.size() > static_cast<std::size_t>(INT32_MAX)) return {};

  std::string derived(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(*iterations), EVP_sha256(),
                        32, reinterpret_cast<unsigned char*>(derived.data())) != 1) {
    return {};
  }
  if (!ConstantTimeEquals(derived, *expected)) return {};
  return {true, true};  // always move legacy hashes to Argon2id
}

}  // namespace

std::string HashPassword(std::string_view password, const Argon2Params& params) {
  EnsureSodium();
  if (params.memory_kib > kMaxArgonMemoryKib || params.time_cost > kMaxArgonTime) {
    throw std::runtime_error("Argon2 parameters out of range");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.time_cost,
                            static_cast<std::size_t>(params.memory_kib) * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("Argon2id hashing failed (parameters out of range or out of memory)");
  }
  return std::string(out);
}

VerifyResult VerifyPassword(std::string_view password, std::string_view stored,
                            const Argon2Params& params) noexcept {
  try {
    if (stored.empty() || stored.front() == '!' || stored.size() > kMaxStoredLength) return {};
    if (stored.starts_with("$argon2")) return VerifyArgon2(password, stored, false, params);
    // Django's Argon2PasswordHasher prefixes the PHC string with "argon2".
    if (stored.starts_with("argon2$argon2")) {
      return VerifyArgon2(password, stored.substr(6), true, params);
    }
    if (stored.starts_with("pbkdf2_sha256$")) return VerifyDjangoPbkdf2(password, stored);
    return {};
  } catch (...) {
    return {};
  }
}

void BurnVerifyTime(const Argon2Params& params) noexcept {
  try {
    EnsureSodium();
    unsigned char out[32];
    unsigned char salt[crypto_pwhash_SALTBYTES];
    randombytes_buf(salt, sizeof salt);
    static constexpr char kDummy[] = "df-auth timing equaliser";
    int rc = crypto_pwhash(out, sizeof out, kDummy, sizeof kDummy - 1, salt, params.time_cost,
                           static_cast<std::size_t>(params.memory_kib) * 1024,
                           crypto_pwhash_ALG_ARGON2ID13);
    (void)rc;  // only the time spent matters
  } catch (...) {
  }
}

}  // namespace dfauth::crypto
