#pragma once
// RFC 6238 TOTP (SHA-1, 6 digits, 30 s steps) on liboath, as django-otp's TOTPDevice and every
// authenticator app use it. Replay refusal is the caller's (the device's last accepted step).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::otp {

inline constexpr int64_t kTotpStep = 30;
inline constexpr int kTotpSecretBytes = 20;

/// A new random key (kTotpSecretBytes bytes) as lowercase hex, the stored form.
std::string GenerateTotpSecret();

/// The code for `secret_hex` at time step `step` (= unix time / 30).
std::string TotpCode(std::string_view secret_hex, int64_t step);

/// The time step at which `code` is valid for `secret_hex`, looking at the steps of `now`
/// and `window` steps either side; nullopt when none matches or the code is malformed.
std::optional<int64_t> MatchTotpStep(std::string_view secret_hex, std::string_view code, int64_t now,
                                     int window = 1);

/// The RFC 4648 base32 form (no padding) of the key, as authenticator apps take it.
std::string TotpSecretBase32(std::string_view secret_hex);

/// otpauth://totp/<issuer>:<account>?secret=…&algorithm=SHA1&digits=6&period=30&issuer=…
std::string OtpauthUrl(std::string_view issuer, std::string_view account, std::string_view secret_hex);

}  // namespace dfauth::otp
