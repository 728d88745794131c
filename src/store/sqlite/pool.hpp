#pragma once
// The connections of one SQLite database: a bounded pool of readers in WAL mode (they run in
// parallel), one writer held under a mutex (writers of this process queue here, not on
// SQLite's file lock), and a background thread that checkpoints the WAL. ":memory:" is a single
// connection that every lease shares in turn. The stores of the SQLite backend borrow from it:
// `Pool::Lease c(pool); c->Prepare(...)`, `Pool::WriteLease w(pool);`.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dfauth::store::sqlite {

class Connection;

class Pool {
 public:
  /// Opens `path` (a file, created if absent, or ":memory:") with up to `size` reader
  /// connections; throws StoreUnavailable when it cannot be opened.
  Pool(const std::string& path, int size);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A reading connection borrowed for one unit of work (RAII); waits at most 10 s for one,
  /// then throws StoreUnavailable.
  class Lease {
   public:
    explicit Lease(Pool& pool);
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    Pool& pool_;
    Connection* connection_ = nullptr;
  };

  /// The one writing connection, held under the write gate for one unit of work. Every write
  /// goes through it, and the writer's page cache stays valid between its transactions, as no
  /// other connection of ours writes.
  class WriteLease {
   public:
    explicit WriteLease(Pool& pool);
    WriteLease(const WriteLease&) = delete;
    WriteLease& operator=(const WriteLease&) = delete;
    Connection& operator*() const { return lease_ ? **lease_ : *pool_.writer_; }
    Connection* operator->() const { return &**this; }

   private:
    Pool& pool_;
    std::unique_lock<std::mutex> gate_;
    std::optional<Lease> lease_;  ///< ":memory:": the one connection, from the pool
  };

 private:
  std::mutex mutex_;
  std::mutex write_gate_;  ///< see WriteLease
  std::unique_ptr<Connection> writer_;  ///< null for ":memory:"
  std::condition_variable available_;
  std::vector<Connection*> idle_;                 ///< guarded by mutex_
  std::vector<std::unique_ptr<Connection>> all_;   ///< owns every connection

  /// Copies the WAL back into the database on its own connection (every 50 ms while writes come
  /// in, every 500 ms when idle).
  void CheckpointLoop();
  std::unique_ptr<Connection> checkpointer_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool stopping_ = false;  ///< guarded by checkpoint_mutex_
};

}  // namespace dfauth::store::sqlite
