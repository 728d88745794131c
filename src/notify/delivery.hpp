#pragma once
// The outbox and its sender: Enqueue renders the templates and inserts one row (no network);
// one background thread claims due rows, sends them through the configured backends, and marks
// them sent or schedules a retry with exponential back-off. Rows persist, so a restart loses
// nothing; claims are atomic, so several replicas on one database never send a message twice.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "config/settings.hpp"
#include "notify/notifier.hpp"
#include "notify/templates.hpp"
#include "notify/transport.hpp"
#include "store/database.hpp"

namespace dfauth::notify {

/// Seconds to wait before the next try after `attempts` failed tries: 1 s, 2 s, 4 s, …,
/// capped at 5 minutes.
int64_t RetryDelay(int64_t attempts);

class Delivery final : public Notifier {
 public:
  /// Unix seconds now (injectable for tests), the store's one time unit.
  using Clock = std::function<int64_t()>;
  /// Called once per send attempt with channel ("email"/"sms") and outcome
  /// ("sent", "retry", "failed"); app wiring counts it in /metrics.
  using OutcomeCallback = std::function<void(std::string_view channel, std::string_view outcome)>;

  static constexpr int64_t kMaxAttempts = 20;
  static constexpr int64_t kLeaseSeconds = 60;  ///< longer than a transport's 30 s timeout

  /// The backends of EMAIL_BACKEND / SMS_BACKEND and the templates; throws config::ConfigError
  /// (naming the key) for a bad configuration, so the server stops at start.
  Delivery(const config::Settings& settings, store::Database& store);
  /// With explicit transports and clock (tests).
  Delivery(const config::Settings& settings, store::Database& store, std::unique_ptr<Transport> email,
           std::unique_ptr<Transport> sms, Clock clock);
  ~Delivery() override;
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  /// Renders and stores the message in the outbox, then wakes the sender; no network I/O.
  void Enqueue(const Message& message) override;

  /// Sets the per-attempt outcome callback; call before Start().
  void SetOutcomeCallback(OutcomeCallback callback);
  /// Launches the one sender thread.
  void Start();
  /// Lets the current send finish, then joins the sender thread. Idempotent.
  void Stop();

  /// One pass on the calling thread: claims and sends up to a batch of due messages; returns
  /// how many it claimed. The sender thread calls it; tests call it directly.
  int SendDue();

 private:
  void Loop();
  void SendOne(const store::OutboxMessage& message);

  Templates templates_;
  store::OutboxStore& outbox_;
  std::unique_ptr<Transport> email_;
  std::unique_ptr<Transport> sms_;
  Clock clock_;
  OutcomeCallback on_outcome_;

  std::mutex mutex_;
  std::condition_variable wake_cv_;
  bool wake_ = false;                   ///< guarded by mutex_
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

}  // namespace dfauth::notify
