#include "otp/verifier.hpp"

#include <algorithm>

#include "crypto/primitives.hpp"
#include "otp/code.hpp"
#include "otp/totp.hpp"

namespace dfauth::otp {
namespace {

void ResetThrottle(store::Device& device) {
  device.throttle_failures = 0;
  device.throttle_until = 0;
}

}  // namespace

void RecordFailure(store::Device& device, int64_t now, int64_t throttle_factor) {
  ++device.throttle_failures;
  if (throttle_factor <= 0) return;
  // The exponent is capped so that the shift never overflows; 2^30 s is decades already.
  int64_t exponent = std::min<int64_t>(device.throttle_failures - 1, 30);
  // Times are whole seconds: `now` may be late in its second, so one more second keeps the wait
  // at least the configured back-off (without it a 1 s back-off could last a few milliseconds).
  device.throttle_until = now + throttle_factor * (int64_t{1} << exponent) + 1;
}

void IssueCode(store::Device& device, std::string_view code_hash, int64_t now, int64_t validity) {
  device.code_hash = std::string(code_hash);
  device.valid_until = now + validity;
  device.attempts = 0;
  device.last_sent_at = now;
}

bool HasLiveCode(const store::Device& device, int64_t now) {
  return !device.code_hash.empty() && now < device.valid_until;
}

bool CouldMatch(const store::Device& device, std::string_view candidate) {
  if (device.type == "static") return NormalizeStaticCode(candidate).size() == kStaticCodeLength;
  return LooksNumeric(candidate);
}

Verification ApplyVerification(store::Device& device, std::string_view candidate, int64_t now,
                               const VerifyPolicy& policy) {
  if (now < device.throttle_until) return Verification::kThrottled;

  if (device.type == "totp") {
    auto step = MatchTotpStep(device.secret, candidate, now, 1);
    if (step && *step > device.last_totp_step) {
      device.last_totp_step = *step;
      ResetThrottle(device);
      return Verification::kOk;
    }
    RecordFailure(device, now, policy.throttle_factor);
    return Verification::kWrong;
  }

  if (device.type == "static") {
    std::string hash = HashCode(policy.secret_key, device.id, NormalizeStaticCode(candidate));
    // Compare against every code (no early exit), so timing does not tell which one matched.
    auto found = device.static_code_hashes.end();
    for (auto it = device.static_code_hashes.begin(); it != device.static_code_hashes.end(); ++it)
      if (crypto::ConstantTimeEquals(*it, hash)) found = it;
    if (found != device.static_code_hashes.end()) {
      device.static_code_hashes.erase(found);
      ResetThrottle(device);
      return Verification::kOk;
    }
    RecordFailure(device, now, policy.throttle_factor);
    return Verification::kWrong;
  }

  // email / sms: one issued code, single use, OTP_MAX_ATTEMPTS wrong tries.
  if (!HasLiveCode(device, now)) {
    RecordFailure(device, now, policy.throttle_factor);
    return Verification::kWrong;
  }
  if (crypto::ConstantTimeEquals(HashCode(policy.secret_key, device.id, candidate), device.code_hash)) {
    device.code_hash.clear();
    device.valid_until = now;
    device.attempts = 0;
    ResetThrottle(device);
    return Verification::kOk;
  }
  ++device.attempts;
  RecordFailure(device, now, policy.throttle_factor);
  if (device.attempts >= policy.max_attempts) device.code_hash.clear();  // void: guessing ends here
  return Verification::kWrong;
}

}  // namespace dfauth::otp
