#pragma once
// The bounded purge of expired rows every store shares: `delete_chunk(n)` deletes at most n
// expired rows in one short transaction and returns how many went; rounds go on until none is
// left (true) or about `row_limit` went (false: the caller comes back later).

#include <cstdint>

namespace dfauth::store {

inline constexpr int64_t kPurgeChunk = 200;

template <typename DeleteChunk>
bool PurgeInRounds(int64_t row_limit, DeleteChunk&& delete_chunk) {
  for (int64_t purged = 0;;) {
    const int64_t removed = delete_chunk(kPurgeChunk);
    if (removed == 0) return true;
    purged += removed;
    if (purged >= row_limit) return false;
  }
}

}  // namespace dfauth::store
