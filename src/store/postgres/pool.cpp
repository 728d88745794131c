#include "store/postgres/pool.hpp"

#include <chrono>

#include "store/errors.hpp"

namespace dfauth::store::postgres {

namespace {
constexpr auto kLeaseTimeout = std::chrono::seconds(10);
}

Pool::Pool(std::string url, int size) : url_(std::move(url)), size_(size < 1 ? 1 : size) {
  idle_.push_back({std::make_unique<Connection>(url_), epoch_});
  open_ = 1;
}

Pool::Lease::Slot Pool::Acquire() {
  Lease::Slot slot;
  uint64_t epoch = 0;
  {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, kLeaseTimeout, [&] { return !idle_.empty() || open_ < size_; })) {
      throw StoreUnavailable("postgresql: no connection free within 10 s");
    }
    if (!idle_.empty()) {
      slot = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserved; opened below without the lock (a connect takes a round trip or more)
    }
    epoch = epoch_;
  }
  // An idle connection the server closed meanwhile (a terminated backend, a restart) is
  // replaced before anything is sent on it, so no statement is lost or run twice. Its place
  // in open_ passes to the new one.
  if (slot.connection && slot.connection->StillOpen()) return slot;
  slot.connection.reset();
  try {
    slot = {std::make_unique<Connection>(url_), epoch};
    return slot;
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    available_.notify_one();
    throw;
  }
}

void Pool::Release(Lease::Slot slot) {
  std::vector<Lease::Slot> dropped;  // closed after the lock is released
  {
    std::lock_guard lock(mutex_);
    if (!slot.connection->Reusable() || slot.epoch < epoch_) {
      if (slot.connection->Broken() && slot.epoch == epoch_) {
        ++epoch_;  // the server went away: every idle connection opened before is suspect
        for (auto& idle : idle_) dropped.push_back(std::move(idle));
        open_ -= static_cast<int>(idle_.size());
        idle_.clear();
      }
      dropped.push_back(std::move(slot));
      --open_;
    } else {
      idle_.push_back(std::move(slot));
    }
  }
  available_.notify_all();
}

Pool::Lease::Lease(Pool& pool) : pool_(pool), slot_(pool.Acquire()) {}

Pool::Lease::~Lease() { pool_.Release(std::move(slot_)); }

}  // namespace dfauth::store::postgres
