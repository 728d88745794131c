// OutboxStore on PostgreSQL: the outbox table (migration 3), times in milliseconds.
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_OUTBOX_COLUMNS \
  "id, channel, recipient, subject, text, html, queued_at, attempts, due_at, sent_at, last_error"

OutboxMessage ReadMessage(const Rows& rows, int r) {
  OutboxMessage m;
  m.id = rows.Int64(r, 0);
  m.channel = rows.Text(r, 1);
  m.recipient = rows.Text(r, 2);
  m.subject = rows.Text(r, 3);
  m.text = rows.Text(r, 4);
  m.html = rows.Text(r, 5);
  m.created_at = rows.Int64(r, 6);
  m.attempts = rows.Int64(r, 7);
  m.next_attempt_at = rows.OptionalInt64(r, 8);
  m.sent_at = rows.OptionalInt64(r, 9);
  m.last_error = rows.Text(r, 10);
  return m;
}

class PostgresOutboxStore final : public OutboxStore {
 public:
  explicit PostgresOutboxStore(Pool& pool) : pool_(pool) {}

  int64_t Add(const OutboxMessage& m) override {
    Pool::Lease c(pool_);
    return c->Run("INSERT INTO outbox(channel, recipient, subject, text, html, queued_at, attempts, "
                  "due_at, sent_at, last_error) VALUES($1, $2, $3, $4, $5, $6, 0, $7, NULL, '') RETURNING id",
                  Params()
                      .Add(m.channel).Add(m.recipient).Add(m.subject).Add(m.text).Add(m.html).Add(m.created_at)
                      .Add(m.next_attempt_at.value_or(m.created_at)))
        .Int64(0, 0);
  }

  std::vector<OutboxMessage> ListDue(int64_t now, int limit) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_OUTBOX_COLUMNS " FROM outbox WHERE sent_at IS NULL AND "
                       "due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2",
                       Params().Add(now).Add(limit));
    std::vector<OutboxMessage> due;
    for (int r = 0; r < rows.Count(); ++r) due.push_back(ReadMessage(rows, r));
    return due;
  }

  bool Claim(int64_t id, int64_t expected_next_attempt, int64_t lease_until) override {
    Pool::Lease c(pool_);
    // Compare-and-set on next_attempt_at: a second sender (on any replica) that read the same
    // row waits for the first claim's row lock and then finds the value moved.
    return c->Run("UPDATE outbox SET due_at = $1, attempts = attempts + 1 "
                  "WHERE id = $2 AND due_at = $3 AND sent_at IS NULL",
                  Params().Add(lease_until).Add(id).Add(expected_next_attempt))
               .Affected() == 1;
  }

  void MarkSent(int64_t id, int64_t sent_at) override {
    Pool::Lease c(pool_);
    c->Run("UPDATE outbox SET sent_at = $1, due_at = NULL, subject = '', text = '', html = '', "
           "last_error = '' WHERE id = $2",
           Params().Add(sent_at).Add(id));
  }

  void MarkFailed(int64_t id, std::optional<int64_t> retry_at, std::string_view error) override {
    Pool::Lease c(pool_);
    if (retry_at) {
      c->Run("UPDATE outbox SET due_at = $1, last_error = $2 WHERE id = $3",
             Params().Add(*retry_at).Add(error).Add(id));
    } else {
      c->Run("UPDATE outbox SET due_at = NULL, subject = '', text = '', html = '', last_error = $1 "
             "WHERE id = $2",
             Params().Add(error).Add(id));
    }
  }

  std::optional<OutboxMessage> Find(int64_t id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_OUTBOX_COLUMNS " FROM outbox WHERE id = $1", Params().Add(id));
    if (rows.Empty()) return std::nullopt;
    return ReadMessage(rows, 0);
  }

  int64_t PurgeFinished(int64_t before) override {
    Pool::Lease c(pool_);
    return c->Run("DELETE FROM outbox WHERE due_at IS NULL AND queued_at < $1", Params().Add(before))
        .Affected();
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PG_OUTBOX_COLUMNS

}  // namespace

std::unique_ptr<OutboxStore> MakeOutboxStore(Pool& pool) { return std::make_unique<PostgresOutboxStore>(pool); }

}  // namespace dfauth::store::postgres
