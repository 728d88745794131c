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
      slots_(std::make_unique<std::atomic<Slot*>[]>(count_)) {}

VerifiedTokenCache::~VerifiedTokenCache() {
  for (std::size_t i = 0; i < count_; ++i) delete slots_[i].load();
}

VerifiedTokenCache::Slot* VerifiedTokenCache::SlotFor(std::string_view token, bool create) {
  std::atomic<Slot*>& cell = slots_[crypto::KeyedHash64(hash_key_, token) % count_];
  Slot* slot = cell.load(std::memory_order_acquire);
  if (slot != nullptr || !create) return slot;
  auto fresh = std::make_unique<Slot>();
  if (cell.compare_exchange_strong(slot, fresh.get(), std::memory_order_acq_rel)) {
    return fresh.release();
  }
  return slot;  // another thread created it first
}

std::optional<VerifiedClaims> VerifiedTokenCache::Find(std::string_view token, uint64_t generation) {
  Slot* slot = SlotFor(token, false);
  if (slot == nullptr) return std::nullopt;
  std::lock_guard lock(slot->mutex);
  if (!slot->used || slot->generation != generation ||
      !crypto::ConstantTimeEquals(slot->token, token)) {
    return std::nullopt;
  }
  return slot->claims;
}

void VerifiedTokenCache::Put(std::string_view token, uint64_t generation,
                             const VerifiedClaims& claims) {
  Slot& slot = *SlotFor(token, true);
  std::lock_guard lock(slot.mutex);
  slot.used = true;
  slot.generation = generation;
  slot.token.assign(token);
  slot.claims = claims;
}

}  // namespace dfauth::token
