#pragma once
// The connections of one SQLite database: a bounded pool of readers in WAL mode (they run in
// parallel), one writer held under a mutex (writers of this process queue here, not on
// SQLite's file lock) that commits the units of concurrent writers together (group commit, see
// WriteLease), and a background thread that checkpoints the WAL. ":memory:" is a single
// connection that every lease shares in turn. The stores of the SQLite backend borrow from it:
// `Pool::Lease c(pool); c->Prepare(...)`, `Pool::WriteLease w(pool);`.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dfauth::store::sqlite {

class Connection;

class Pool {
  struct Group;  ///< one group transaction of the writer (pool.cpp)

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

  /// The one writing connection, held under the write gate for one unit of work: the lease's
  /// scope. Every write goes through it, and the writer's page cache stays valid between its
  /// transactions, as no other connection of ours writes.
  ///
  /// Group commit (files, not ":memory:"): the units of writers that queue on the gate while a
  /// unit runs or a COMMIT is in progress go into one transaction. The first unit opens it
  /// (BEGIN IMMEDIATE); each unit is a SAVEPOINT inside it (a `Transaction` on the writer is a
  /// nested savepoint), so it reads the earlier units' writes, and a unit left by an exception
  /// is rolled back to its savepoint alone (the exception goes on to that caller only). The unit
  /// that finds nobody queued behind it (or the group at kMaxGroupUnits) runs the COMMIT. A
  /// lease left normally returns only after the COMMIT holding its unit has returned, and throws
  /// StoreUnavailable from its destructor if that COMMIT failed (the destructor is
  /// noexcept(false) for this; it never throws while an exception is unwinding the scope).
  class WriteLease {
   public:
    explicit WriteLease(Pool& pool);
    ~WriteLease() noexcept(false);
    WriteLease(const WriteLease&) = delete;
    WriteLease& operator=(const WriteLease&) = delete;
    Connection& operator*() const { return lease_ ? **lease_ : *pool_.writer_; }
    Connection* operator->() const { return &**this; }

   private:
    /// Ends the unit (gate held): its savepoint released or rolled back, then the COMMIT if it
    /// is the group's last; returns the unit's group, or null when the unit has no commit to
    /// wait for (":memory:", a failed unit).
    std::shared_ptr<Group> EndUnit(bool failed) noexcept;

    Pool& pool_;
    std::unique_lock<std::mutex> gate_;
    std::optional<Lease> lease_;  ///< ":memory:": the one connection, from the pool
    std::shared_ptr<Group> group_;  ///< the group transaction holding this unit (files)
    int exceptions_at_start_;       ///< std::uncaught_exceptions() when the unit began
  };

  /// Units ended and COMMITs run by the writer since the pool opened (tests, metrics): under
  /// concurrent writes commits < units.
  struct WriteStats {
    uint64_t units = 0;
    uint64_t commits = 0;
  };
  WriteStats write_stats() const { return {units_.load(), commits_.load()}; }
  /// Threads waiting for the write gate now (tests).
  int writers_waiting() const { return writers_waiting_.load(); }

  /// A group takes at most this many units, so a steady stream of writers still commits.
  static constexpr int kMaxGroupUnits = 64;

 private:
  /// COMMITs the open group (gate held) and wakes its units; `error` non-empty fails it instead
  /// (the transaction is rolled back) and its units throw StoreUnavailable(error).
  void CloseGroup(std::string error) noexcept;

  std::mutex mutex_;
  std::mutex write_gate_;  ///< see WriteLease
  std::shared_ptr<Group> open_group_;  ///< guarded by write_gate_
  std::atomic<int> writers_waiting_{0};
  std::mutex group_mutex_;                  ///< guards Group::done and Group::error
  std::condition_variable group_done_;
  std::atomic<uint64_t> units_{0};
  std::atomic<uint64_t> commits_{0};
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
