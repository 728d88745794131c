#include "store/sqlite/pool.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

#include "store/errors.hpp"
#include "store/sqlite/connection.hpp"

namespace dfauth::store::sqlite {

namespace {

// A caller waiting longer than this for a connection gets StoreUnavailable (503) rather than
// an unbounded queue.
constexpr auto kLeaseTimeout = std::chrono::seconds(10);

}  // namespace

// A connection checked out of the pool for the lifetime of this object.
Pool::Lease::Lease(Pool& pool) : pool_(pool) {
  std::unique_lock lock(pool_.mutex_);
  if (!pool_.available_.wait_for(lock, kLeaseTimeout, [&] { return !pool_.idle_.empty(); })) {
    throw StoreUnavailable("no database connection became free");
  }
  connection_ = pool_.idle_.back();
  pool_.idle_.pop_back();
}

Pool::Lease::~Lease() {
  {
    std::lock_guard lock(pool_.mutex_);
    pool_.idle_.push_back(connection_);
  }
  pool_.available_.notify_one();
}

// One group transaction on the writer; its units wait on group_done_ for `done`.
struct Pool::Group {
  int units = 0;      ///< units that joined (gate held)
  bool done = false;  ///< COMMIT returned or the group failed (group_mutex_)
  std::string error;  ///< why it failed; empty when committed (group_mutex_)
};

Pool::WriteLease::WriteLease(Pool& pool) : pool_(pool), exceptions_at_start_(std::uncaught_exceptions()) {
  ++pool_.writers_waiting_;
  gate_ = std::unique_lock(pool_.write_gate_);
  --pool_.writers_waiting_;
  if (!pool_.writer_) {
    // ":memory:" shares its one connection with the readers, so no transaction may stay open
    // past the lease: statements there commit as they run, as before group commit.
    lease_.emplace(pool_);
    return;
  }
  Connection& writer = *pool_.writer_;
  try {
    if (!pool_.open_group_) {
      writer.Prepare("BEGIN IMMEDIATE").Run();
      pool_.open_group_ = std::make_shared<Group>();
    }
    writer.Prepare("SAVEPOINT unit").Run();
  } catch (...) {
    // Nothing of this unit was written, but the units before it in the group still need
    // their COMMIT (or a failed BEGIN left no group at all).
    if (pool_.open_group_) {
      if (writer.InTransaction()) {
        if (pool_.writers_waiting_ == 0) pool_.CloseGroup({});
      } else {
        pool_.CloseGroup("sqlite: the group transaction was rolled back");
      }
    }
    throw;
  }
  group_ = pool_.open_group_;
  ++group_->units;
}

std::shared_ptr<Pool::Group> Pool::WriteLease::EndUnit(bool failed) noexcept {
  ++pool_.units_;
  if (!group_) return nullptr;  // ":memory:"
  Connection& writer = *pool_.writer_;
  // An I/O error or a full disk can make SQLite roll the whole transaction back: then every
  // unit of the group fails, none is acknowledged.
  if (!writer.InTransaction()) {
    pool_.CloseGroup("sqlite: the group transaction was rolled back by an error");
    return failed ? nullptr : group_;
  }
  try {
    if (failed) writer.Prepare("ROLLBACK TO unit").Run();
    writer.Prepare("RELEASE unit").Run();
  } catch (const std::exception& e) {
    pool_.CloseGroup(std::string("sqlite: ending a unit failed: ") + e.what());
    return failed ? nullptr : group_;
  }
  // Nobody queued behind us: commit now. Otherwise the next unit joins the group and the
  // decision passes to it (every thread counted in writers_waiting_ takes the gate and ends a
  // unit, so the group is always committed by someone).
  if (pool_.writers_waiting_ == 0 || group_->units >= kMaxGroupUnits) pool_.CloseGroup({});
  return failed ? nullptr : group_;
}

Pool::WriteLease::~WriteLease() noexcept(false) {
  const bool failed = std::uncaught_exceptions() > exceptions_at_start_;
  auto group = EndUnit(failed);
  lease_.reset();
  gate_.unlock();
  if (!group) return;
  std::string error;
  {
    std::unique_lock lock(pool_.group_mutex_);
    pool_.group_done_.wait(lock, [&] { return group->done; });
    error = group->error;
  }
  if (!error.empty()) throw StoreUnavailable(error);
}

void Pool::CloseGroup(std::string error) noexcept {
  auto group = std::move(open_group_);
  if (error.empty()) {
    try {
      writer_->Prepare("COMMIT").Run();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (!error.empty() && writer_->InTransaction()) {
    try {
      writer_->Prepare("ROLLBACK").Run();
    } catch (const std::exception&) {
      // A failed COMMIT may already have ended the transaction.
    }
  }
  ++commits_;
  {
    std::lock_guard lock(group_mutex_);
    group->done = true;
    group->error = std::move(error);
  }
  group_done_.notify_all();
}

Pool::Pool(const std::string& path, int size_wanted) {
  // An in-memory database lives and dies with its one connection, so ":memory:" gets exactly
  // one (requests then take turns on it, which is fine for tests and single-process use).
  const bool in_memory = path == ":memory:";
  const int size = in_memory ? 1 : std::max(1, size_wanted);
  for (int i = 0; i < size; ++i) {
    all_.push_back(std::make_unique<Connection>(path, /*uri=*/false, in_memory));
    // The pool reads; writing is the writer's job (WriteLease), and query_only makes a write
    // that strays onto a pooled connection fail loudly instead of contending for the lock.
    if (!in_memory) all_.back()->Exec("PRAGMA query_only=1");
    idle_.push_back(all_.back().get());
  }
  if (!in_memory) {
    writer_ = std::make_unique<Connection>(path, /*uri=*/false, false);
    // Checkpoints are the background thread's job, so a request rarely pays for copying the WAL
    // back into the database (it showed up as the p99 of writing routes such as otp/). The
    // writer's own checkpoint stays as a safety net at 10,000 pages (~40 MB): under a sustained
    // write load PASSIVE checkpoints alone let the WAL grow without bound (1 GB in 8 s measured).
    writer_->Exec("PRAGMA wal_autocheckpoint=10000");
    checkpointer_ = std::make_unique<Connection>(path, /*uri=*/false, false);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }
}

Pool::~Pool() {
  if (checkpoint_thread_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mutex_);
      stopping_ = true;
    }
    checkpoint_wake_.notify_all();
    checkpoint_thread_.join();
  }
}

void Pool::CheckpointLoop() {
  // Every 50 ms while the WAL grows, every 500 ms when idle. Against a fixed 250 ms, pair-profile
  // refreshes went from 9.6-9.8k to 9.9-10.9k req/s and their p99 from ~50 to ~33 ms (quick runs).
  using std::chrono::milliseconds;
  int64_t last_frames = -1;
  milliseconds pause(500);
  std::unique_lock lock(checkpoint_mutex_);
  while (!checkpoint_wake_.wait_for(lock, pause, [this] { return stopping_; })) {
    lock.unlock();
    try {
      // PASSIVE never blocks writers or readers; what it cannot copy now it copies next time.
      auto st = checkpointer_->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
      const int64_t frames = st.Step() ? st.Int64(1) : -1;  // (busy, frames in the WAL, copied)
      pause = frames != last_frames ? milliseconds(50) : milliseconds(500);
      last_frames = frames;
    } catch (const std::exception&) {
      // A busy database: the next round catches up.
    }
    lock.lock();
  }
}

}  // namespace dfauth::store::sqlite
