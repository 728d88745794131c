#pragma once
// The verification rules of one device, as pure functions on the stored row so that the store
// can apply them inside its atomic update and unit tests can drive them with any clock:
// django-otp's per-device back-off (a refused attempt does not count), OTP_MAX_ATTEMPTS per
// issued code, single use, TOTP ±1 step with replay refusal, single-use backup codes.

#include <cstdint>
#include <string>
#include <string_view>

#include "store/device_store.hpp"

namespace dfauth::otp {

enum class Verification {
  kOk,         ///< accepted (and consumed)
  kWrong,      ///< wrong, expired, void or replayed: one failure counted
  kThrottled,  ///< refused by the back-off without looking at the code: nothing counted
};

struct VerifyPolicy {
  std::string secret_key;      ///< HMAC key of the stored code hashes
  int64_t max_attempts = 5;    ///< OTP_MAX_ATTEMPTS
  int64_t throttle_factor = 1; ///< OTP_THROTTLE_FACTOR (0: no back-off)
};

/// One attempt of `candidate` on `device` at `now`; updates the device in place. The caller
/// writes the device back unless the result is kThrottled (which changes nothing).
Verification ApplyVerification(store::Device& device, std::string_view candidate, int64_t now,
                               const VerifyPolicy& policy);

/// Counts one failed verification and sets the back-off: factor·2^(n-1) s after the n-th.
void RecordFailure(store::Device& device, int64_t now, int64_t throttle_factor);

/// Stores a freshly issued code: hash, expiry, attempts reset, send time.
void IssueCode(store::Device& device, std::string_view code_hash, int64_t now, int64_t validity);

/// True when the device holds an issued code that is not used, void or expired.
bool HasLiveCode(const store::Device& device, int64_t now);

/// True when `candidate` has the shape of this device type's codes, so checking it can count
/// (a backup code is never tried against an email device, nor six digits against backup codes).
bool CouldMatch(const store::Device& device, std::string_view candidate);

}  // namespace dfauth::otp
