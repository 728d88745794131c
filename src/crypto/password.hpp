#pragma once
// Password hashing: Argon2id PHC strings for new hashes (libsodium), verification of Argon2
// and Django `pbkdf2_sha256$…` strings, and a dummy hash to equalise login timing.

#include <cstdint>
#include <string>
#include <string_view>

namespace dfauth::crypto {

/// Argon2id cost (ARGON2_MEMORY_KIB, ARGON2_TIME_COST); parallelism is always 1.
struct Argon2Params {
  uint64_t memory_kib = 19456;
  uint32_t time_cost = 2;
};

/// An Argon2id PHC string (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`) with a fresh random salt.
/// Throws std::runtime_error when the parameters are out of libsodium's range or memory runs out.
std::string HashPassword(std::string_view password, const Argon2Params& params);

struct VerifyResult {
  bool ok = false;
  bool needs_upgrade = false;  ///< ok, but stored with a weaker or legacy scheme: rehash it
};

/// Checks `password` against a stored Argon2id/Argon2i PHC string or a Django
/// `pbkdf2_sha256$iter$salt$b64` string. Empty, unusable ("!…") and malformed strings give
/// ok=false. Never throws.
VerifyResult VerifyPassword(std::string_view password, std::string_view stored,
                            const Argon2Params& params) noexcept;

/// Spends about one Argon2id hash's time, so that a login for an unknown user costs what a
/// login for a known one does.
void BurnVerifyTime(const Argon2Params& params) noexcept;

}  // namespace dfauth::crypto
