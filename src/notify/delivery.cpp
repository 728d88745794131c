#include "notify/delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace dfauth::notify {

namespace {

constexpr int kBatch = 32;
constexpr auto kPollInterval = std::chrono::seconds(1);  // due retries and other replicas' rows
constexpr int64_t kPurgeEverySeconds = 3'600;
constexpr int64_t kKeepFinishedSeconds = 7 * 86'400;  // sent rows are kept a week, content blanked
constexpr int64_t kMaxDelaySeconds = 300;

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* ChannelName(Channel channel) { return channel == Channel::kSms ? "sms" : "email"; }

}  // namespace

int64_t RetryDelay(int64_t attempts) {
  if (attempts < 1) attempts = 1;
  if (attempts > 20) return kMaxDelaySeconds;  // 2^19 s is far past the cap; avoid shifting further
  return std::min<int64_t>(kMaxDelaySeconds, int64_t{1} << (attempts - 1));
}

Delivery::Delivery(const config::Settings& settings, store::Database& store)
    : Delivery(settings, store, MakeEmailTransport(settings), MakeSmsTransport(settings), &SystemNow) {}

Delivery::Delivery(const config::Settings& settings, store::Database& store, std::unique_ptr<Transport> email,
                   std::unique_ptr<Transport> sms, Clock clock)
    : templates_(settings),
      outbox_(store.Outbox()),
      email_(std::move(email)),
      sms_(std::move(sms)),
      clock_(std::move(clock)) {}

Delivery::~Delivery() { Stop(); }

void Delivery::SetOutcomeCallback(OutcomeCallback callback) { on_outcome_ = std::move(callback); }

void Delivery::Enqueue(const Message& message) {
  RenderedMessage rendered = templates_.Render(message);
  store::OutboxMessage row;
  row.channel = ChannelName(message.channel);
  row.recipient = message.to;
  row.subject = std::move(rendered.subject);
  row.text = std::move(rendered.text);
  row.html = std::move(rendered.html);
  row.created_at = clock_();
  row.next_attempt_at = row.created_at;
  int64_t id = outbox_.Add(row);
  spdlog::debug("outbox message {} queued ({})", id, row.channel);
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  wake_cv_.notify_one();
}

void Delivery::Start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Delivery::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int Delivery::SendDue() {
  int claimed = 0;
  for (const auto& row : outbox_.ListDue(clock_(), kBatch)) {
    if (stopping_) break;
    // The compare-and-set claim: if another sender (replica) took the row since ListDue,
    // its next_attempt_at moved and this claim changes nothing.
    if (!outbox_.Claim(row.id, *row.next_attempt_at, clock_() + kLeaseSeconds)) continue;
    ++claimed;
    store::OutboxMessage claimed_row = row;
    ++claimed_row.attempts;
    SendOne(claimed_row);
  }
  return claimed;
}

void Delivery::SendOne(const store::OutboxMessage& row) {
  Transport& transport = row.channel == "sms" ? *sms_ : *email_;
  std::string error;
  bool permanent = false;
  try {
    transport.Send(row);
  } catch (const SendError& e) {
    error = e.what();
    permanent = e.Permanent();
  } catch (const std::exception& e) {
    error = std::string("transport: ") + e.what();
  }
  if (error.empty()) {
    outbox_.MarkSent(row.id, clock_());
    spdlog::info("outbox message {} delivered ({}, attempt {})", row.id, row.channel, row.attempts);
    if (on_outcome_) on_outcome_(row.channel, "sent");
    return;
  }
  // The error text names the transport failure only, never the message or a secret.
  if (permanent || row.attempts >= kMaxAttempts) {
    outbox_.MarkFailed(row.id, std::nullopt, error);
    spdlog::error("outbox message {} ({}) given up after {} attempt(s): {}", row.id, row.channel,
                  row.attempts, error);
    if (on_outcome_) on_outcome_(row.channel, "failed");
    return;
  }
  int64_t delay = RetryDelay(row.attempts);
  outbox_.MarkFailed(row.id, clock_() + delay, error);
  spdlog::warn("outbox message {} ({}) attempt {} failed, retrying in {} s: {}", row.id, row.channel,
               row.attempts, delay, error);
  if (on_outcome_) on_outcome_(row.channel, "retry");
}

void Delivery::Loop() {
  int64_t last_purge = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_ = false;
    lock.unlock();
    int claimed = 0;
    try {
      claimed = SendDue();
      int64_t now = clock_();
      if (now - last_purge >= kPurgeEverySeconds) {
        outbox_.PurgeFinished(now - kKeepFinishedSeconds);
        last_purge = now;
      }
    } catch (const std::exception& e) {
      // The database may be briefly unavailable: keep the thread alive and try again.
      spdlog::error("outbox sender: {}", e.what());
    }
    lock.lock();
    if (claimed >= kBatch) continue;  // more may be due right now
    wake_cv_.wait_for(lock, kPollInterval, [this] { return stopping_ || wake_; });
  }
}

}  // namespace dfauth::notify
