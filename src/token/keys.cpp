#include "token/keys.hpp"

#include <chrono>

namespace dfauth::token {

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

store::SigningKey GenerateKey(Algorithm alg, int64_t now) {
  Key key = GenerateKeyPair(alg);
  store::SigningKey row;
  row.kid = key.kid;
  row.alg = std::string(AlgorithmName(alg));
  row.private_pem = PrivateKeyPem(key);
  row.created_at = now;
  return row;
}

std::string GenerateAndStoreKey(store::Database& store, Algorithm alg, int64_t now) {
  store::SigningKey row = GenerateKey(alg, now);
  store.Keys().AddSigningKey(row);
  return row.kid;
}

std::string EnsureKey(store::Database& store, Algorithm alg, bool& generated, int64_t now) {
  for (const store::SigningKey& key : store.Keys().ListSigningKeys()) {  // newest first
    if (key.alg == AlgorithmName(alg) && !key.retired_at) {
      generated = false;
      return key.kid;
    }
  }
  generated = true;
  return GenerateAndStoreKey(store, alg, now);
}

std::string RotateKeys(store::Database& store, Algorithm alg, int64_t now) {
  std::string kid = GenerateAndStoreKey(store, alg, now);
  store.Keys().RetireSigningKeys(AlgorithmName(alg), kid, now);
  return kid;
}

std::vector<store::SigningKey> ListKeys(store::Database& store) { return store.Keys().ListSigningKeys(); }

}  // namespace dfauth::token
