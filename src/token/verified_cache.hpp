#pragma once
// Tokens whose signature and fixed claims have been checked, remembered by their exact bytes.
// A client sends the same token with every request until it expires; remembering the outcome
// spares the signature, the base64 and the JSON work of each repeat. What can change between
// two requests is NOT remembered and stays the caller's job on every request: exp and nbf
// against the clock, the type the route wants, revocation and the user's state in the store.
// Only tokens that passed every check are stored; an entry is bound to the key set that
// verified it, so a key reload or retirement makes every older entry a miss.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::token {

/// The claims of a token, as checked once.
struct VerifiedClaims {
  std::string type;
  std::string jti;
  int64_t user_id = 0;
  int64_t exp = 0;
  int64_t iat = 0;
  std::optional<int64_t> nbf;
  std::optional<int64_t> refresh_exp;
  std::string sid;  ///< the session; empty for a token issued before sessions
};

/// Fixed size and thread-safe. Direct-mapped: a token's slot is a keyed hash of its bytes, so
/// a client cannot aim its tokens at someone else's slot, and the stored bytes are compared in
/// constant time.
class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(std::size_t slots = 4096);
  ~VerifiedTokenCache();
  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  /// The claims stored for exactly `token` under key set `generation`, if any.
  std::optional<VerifiedClaims> Find(std::string_view token, uint64_t generation);
  /// Remembers `token` (replacing whatever shared its slot).
  void Put(std::string_view token, uint64_t generation, const VerifiedClaims& claims);

 private:
  struct Slot;
  /// The slot of `token`, created on first use when `create` (else null while unused): an idle
  /// server holds 32 KB of pointers rather than every slot.
  Slot* SlotFor(std::string_view token, bool create);

  std::string hash_key_;  ///< 16 random bytes for crypto::KeyedHash64
  std::size_t count_;
  std::unique_ptr<std::atomic<Slot*>[]> slots_;
};

}  // namespace dfauth::token
