#pragma once
// One-time codes: generation from the CSPRNG and the keyed hashes they are stored as
// (interface.md §3: codes are never stored in clear).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::otp {

inline constexpr int kCodeDigits = 6;
inline constexpr int kStaticCodeCount = 10;
inline constexpr int kStaticCodeLength = 8;
/// Backup-code alphabet without look-alikes (0/O, 1/I/L).
inline constexpr std::string_view kStaticAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Six decimal digits, uniformly random, leading zeros kept.
std::string GenerateNumericCode();

/// `count` random backup codes of kStaticCodeLength characters from kStaticAlphabet.
std::vector<std::string> GenerateStaticCodes(int count = kStaticCodeCount);

/// The stored form of a code: hex HMAC-SHA256(secret_key, "<device_id>|<code>"). Binding the
/// device id means a hash copied to another device never verifies.
std::string HashCode(std::string_view secret_key, int64_t device_id, std::string_view code);

/// A submitted backup code in canonical form: upper case, spaces and dashes removed.
std::string NormalizeStaticCode(std::string_view code);

/// The `valid_minutes` of a message about a code valid `seconds`: whole minutes, rounded up, at
/// least 1.
std::string ValidMinutes(int64_t seconds);

/// True when `code` is kCodeDigits decimal digits (the shape of email, SMS and TOTP codes).
bool LooksNumeric(std::string_view code);

}  // namespace dfauth::otp
