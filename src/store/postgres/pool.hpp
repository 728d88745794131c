#pragma once
// The connections of one PostgreSQL database: up to `size` of them, opened on demand, lent one
// per unit of work. A connection that lost its server is dropped when it comes back, and with it
// every idle connection opened before (a restart kills them all at once: better to reconnect
// than to fail one request per dead connection); the next lease opens a fresh one. An idle
// connection the server closed meanwhile is replaced before it is lent. Stores use
// `Pool::Lease c(pool); c->Run(...)`.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/connection.hpp"

namespace dfauth::store::postgres {

class Pool {
 public:
  /// Opens the first connection at once, so that a wrong URL, password or host fails at start
  /// (StoreUnavailable); the others open when the load needs them.
  Pool(std::string url, int size);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int Size() const { return size_; }

  /// A connection borrowed for one unit of work (RAII); waits at most 10 s for one, then throws
  /// StoreUnavailable, as it does when no connection can be opened.
  class Lease {
   public:
    explicit Lease(Pool& pool);
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection* operator->() { return slot_.connection.get(); }
    Connection& operator*() { return *slot_.connection; }

   private:
    friend class Pool;
    struct Slot {
      std::unique_ptr<Connection> connection;
      uint64_t epoch = 0;  ///< the pool's epoch when it was opened
    };
    Pool& pool_;
    Slot slot_;
  };

 private:
  Lease::Slot Acquire();
  void Release(Lease::Slot slot);

  const std::string url_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Lease::Slot> idle_;  ///< guarded by mutex_
  int open_ = 0;                   ///< connections lent or idle; guarded by mutex_
  uint64_t epoch_ = 0;             ///< bumped when a connection is found broken; guarded by mutex_
};

}  // namespace dfauth::store::postgres
