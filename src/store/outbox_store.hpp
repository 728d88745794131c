#pragma once
// The outbox: messages waiting to be delivered by the background sender (notify::Delivery).
// A request only inserts a row; the sender claims due rows, sends them, and marks them sent or
// schedules a retry. Claims are atomic across processes, so two replicas never send one message
// twice. Times in this interface are Unix MILLISECONDS (retries are spaced by seconds).
// Thread-safe and blocking, like Store.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/errors.hpp"

namespace dfauth::store {

struct OutboxMessage {
  int64_t id = 0;
  std::string channel;    ///< "email" or "sms"
  std::string recipient;  ///< email address or E.164 number
  std::string subject;    ///< email only; blanked once sent
  std::string text;       ///< the email's text part or the SMS body; blanked once sent
  std::string html;       ///< the email's HTML part (may be empty); blanked once sent
  int64_t created_at = 0;
  int64_t attempts = 0;  ///< claims so far (a claim counts as an attempt)
  std::optional<int64_t> next_attempt_at;  ///< null once sent or given up
  std::optional<int64_t> sent_at;
  std::string last_error;  ///< the last failure, never containing secrets
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  /// Inserts a message due at `message.next_attempt_at`; returns its id.
  virtual int64_t Add(const OutboxMessage& message) = 0;
  /// Up to `limit` unsent messages due at or before `now`, oldest due first.
  virtual std::vector<OutboxMessage> ListDue(int64_t now, int limit) = 0;
  /// Takes the message for sending until `lease_until` (after which another sender may
  /// retry it) if it is still due at `expected_next_attempt`; adds one to attempts. Exactly
  /// one of concurrent claims of one row with the same expectation succeeds.
  virtual bool Claim(int64_t id, int64_t expected_next_attempt, int64_t lease_until) = 0;
  /// Records delivery and blanks subject, text and html (the codes in them must not stay at rest).
  virtual void MarkSent(int64_t id, int64_t sent_at) = 0;
  /// Records a failed attempt: retried at `retry_at`, or given up (content blanked) when nullopt.
  virtual void MarkFailed(int64_t id, std::optional<int64_t> retry_at, std::string_view error) = 0;
  /// The message with this id (tests and diagnostics).
  virtual std::optional<OutboxMessage> Find(int64_t id) = 0;
  /// Deletes sent and given-up messages created before `before`; returns how many.
  virtual int64_t PurgeFinished(int64_t before) = 0;
};


}  // namespace dfauth::store
