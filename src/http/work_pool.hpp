#pragma once
// A fixed set of threads with a bounded queue: blocking work (database, hashing) runs here,
// never on I/O threads, and a full queue is refused instead of growing memory.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dfauth::http {

class WorkPool {
 public:
  /// Starts `threads` workers (at least one) named `name`; at most `queue_limit` jobs wait.
  WorkPool(std::string name, int threads, std::size_t queue_limit);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  /// Queues `job`; false when the queue is full or the pool is stopping (the caller answers 503).
  bool TrySubmit(std::function<void()> job);
  /// Jobs waiting for a worker (not counting those running).
  std::size_t QueueDepth() const;
  /// Refuses new jobs, runs every queued job, then joins the workers. Idempotent.
  void Stop();
  const std::string& Name() const noexcept { return name_; }

 private:
  void WorkerLoop();

  std::string name_;
  std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace dfauth::http
