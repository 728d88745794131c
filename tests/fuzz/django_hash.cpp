// The stored-password parser (src/crypto/password.cpp): Django's `pbkdf2_sha256$iter$salt$hash`,
// `argon2$argon2id$…` and our own `$argon2id$…` PHC strings, and every other shape (bcrypt_sha256,
// unusable "!…", truncated, over-long), through VerifyPassword. It must never throw or crash, and
// a result that needs no upgrade must be one that verified.
// Input: the password, a NUL byte, then the stored string (no NUL: the whole input is the string
// and the password is "password").
//
// The costs a stored string names are bounded by the server (Argon2 1 GiB / 64 passes, PBKDF2
// 10M iterations) and those bounds are unit-tested; here strings asking more than a fuzzing run
// can afford (Argon2 over 64 MiB or 4 passes, PBKDF2 over 20,000 iterations) are scaled down by
// not being verified, so that the parser, not the hash, gets the time.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/password.hpp"
#include "fuzz_support.hpp"

namespace {

/// The decimal after `key` in `s` (saturating), or 0.
uint64_t NumberAfter(std::string_view s, std::string_view key) {
  uint64_t largest = 0;
  for (std::size_t at = s.find(key); at != std::string_view::npos; at = s.find(key, at + 1)) {
    uint64_t value = 0;
    for (std::size_t i = at + key.size(); i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      value = value > UINT64_MAX / 100 ? UINT64_MAX / 10 : value * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    if (value > largest) largest = value;
  }
  return largest;
}

bool TooCostly(std::string_view stored) {
  if (stored.find("pbkdf2_sha256$") != std::string_view::npos &&
      NumberAfter(stored, "pbkdf2_sha256$") > 20'000) {
    return true;
  }
  return NumberAfter(stored, "m=") > 64 * 1024 || NumberAfter(stored, "t=") > 4;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dfauth;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view password = "password";
  std::string_view stored = input;
  if (const std::size_t nul = input.find('\0'); nul != std::string_view::npos) {
    password = input.substr(0, nul);
    stored = input.substr(nul + 1);
  }
  if (TooCostly(stored)) return 0;
  const crypto::Argon2Params params{.memory_kib = 8, .time_cost = 1};
  const crypto::VerifyResult result = crypto::VerifyPassword(password, stored, params);
  fuzz::Require(result.ok || !result.needs_upgrade, "needs_upgrade on a password that failed");
  if (result.ok) {
    // The same string refuses another password.
    const std::string other = std::string(password) + "x";
    fuzz::Require(!crypto::VerifyPassword(other, stored, params).ok, "two passwords verify");
  }
  return 0;
}
