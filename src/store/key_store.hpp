#pragma once
// Server state shared by replicas: settings written once (the generated SECRET_KEY) and the
// JWT signing keys. Backend-neutral, thread-safe and blocking. Times are Unix seconds (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/errors.hpp"

namespace dfauth::store {

struct SigningKey {
  std::string kid;
  std::string alg;          ///< RS256, ES256, EdDSA
  std::string private_pem;  ///< never logged
  int64_t created_at = 0;
  std::optional<int64_t> retired_at;  ///< not used to sign after this; verifies until tokens expire
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  virtual std::optional<std::string> GetSetting(std::string_view key) = 0;
  /// Stores the value unless the key exists; returns the value now stored (race-safe across
  /// processes: two replicas starting at once agree on one value).
  virtual std::string PutSettingIfAbsent(std::string_view key, std::string_view value) = 0;

  virtual void AddSigningKey(const SigningKey& key) = 0;
  /// All keys, newest first (created_at, then insertion order).
  virtual std::vector<SigningKey> ListSigningKeys() = 0;
  /// Retires every key of `alg` except `keep_kid` at `at`.
  virtual void RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) = 0;
};

}  // namespace dfauth::store
