#include "token/verified_cache.hpp"

#include <algorithm>

#include "crypto/primitives.hpp"

namespace dfauth::token {

struct VerifiedTokenCache::Slot {
  std::mutex mutex;
  bool used = false;  ///< guarded by mutex, as are the fields below
  uint64_t generation = 0;
  std::string token;
  VerifiedClaims claims;
};

VerifiedTokenCache::VerifiedTokenCache(std::size_t slots)
    : hash_key_(crypto::RandomBytes(16)),
      count_(std::max<std::size_t>(1, slots)),
      slots_(std::make_unique<Slot[]>(count_)) {}

VerifiedTokenCache::~VerifiedTokenCache() = default;

VerifiedTokenCache::Slot& VerifiedTokenCache::SlotFor(std::string_view token) {
  return slots_[crypto::KeyedHash64(hash_key_, token) % count_];
}

std::optional<VerifiedClaims> VerifiedTokenCache::Find(std::string_view token, uint64_t generation) {
  Slot& slot = SlotFor(token);
  std::lock_guard lock(slot.mutex);
  if (!slot.used || slot.generation != generation || !crypto::ConstantTimeEquals(slot.token, token)) {
    return std::nullopt;
  }
  return slot.claims;
}

void VerifiedTokenCache::Put(std::string_view token, uint64_t generation,
                             const VerifiedClaims& claims) {
  Slot& slot = SlotFor(token);
  std::lock_guard lock(slot.mutex);
  slot.used = true;
  slot.generation = generation;
  slot.token.assign(token);
  slot.claims = claims;
}

}  // namespace dfauth::token
