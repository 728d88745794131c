#include "store/outbox_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {

namespace {

#define DFAUTH_OUTBOX_COLUMNS \
  "id, channel, recipient, subject, text, html, queued_at, attempts, due_at, sent_at, last_error"

OutboxMessage ReadMessage(const Statement& row) {
  OutboxMessage m;
  m.id = row.Int64(0);
  m.channel = row.Text(1);
  m.recipient = row.Text(2);
  m.subject = row.Text(3);
  m.text = row.Text(4);
  m.html = row.Text(5);
  m.created_at = row.Int64(6);
  m.attempts = row.Int64(7);
  m.next_attempt_at = row.OptionalInt64(8);
  m.sent_at = row.OptionalInt64(9);
  m.last_error = row.Text(10);
  return m;
}

class SqliteOutboxStore final : public OutboxStore {
 public:
  explicit SqliteOutboxStore(Pool& pool) : pool_(pool) {}

  int64_t Add(const OutboxMessage& m) override {
    Pool::WriteLease c(pool_);
    c->Prepare(
         "INSERT INTO outbox(channel, recipient, subject, text, html, queued_at, attempts, "
         "due_at, sent_at, last_error) VALUES(?, ?, ?, ?, ?, ?, 0, ?, NULL, '')")
        .Bind(1, m.channel)
        .Bind(2, m.recipient)
        .Bind(3, m.subject)
        .Bind(4, m.text)
        .Bind(5, m.html)
        .Bind(6, m.created_at)
        .Bind(7, m.next_attempt_at.value_or(m.created_at))
        .Run();
    return c->LastInsertRowid();
  }

  std::vector<OutboxMessage> ListDue(int64_t now, int limit) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_OUTBOX_COLUMNS
                         " FROM outbox WHERE sent_at IS NULL AND due_at IS NOT NULL "
                         "AND due_at <= ? ORDER BY due_at, id LIMIT ?");
    st.Bind(1, now).Bind(2, int64_t{limit});
    std::vector<OutboxMessage> due;
    while (st.Step()) due.push_back(ReadMessage(st));
    return due;
  }

  bool Claim(int64_t id, int64_t expected_next_attempt, int64_t lease_until) override {
    Pool::WriteLease c(pool_);
    // Compare-and-set on next_attempt_at: a second sender that read the same row finds the
    // value moved by the first one's claim and changes nothing.
    c->Prepare(
         "UPDATE outbox SET due_at = ?1, attempts = attempts + 1 "
         "WHERE id = ?2 AND due_at = ?3 AND sent_at IS NULL")
        .Bind(1, lease_until)
        .Bind(2, id)
        .Bind(3, expected_next_attempt)
        .Run();
    return c->Changes() == 1;
  }

  void MarkSent(int64_t id, int64_t sent_at) override {
    Pool::WriteLease c(pool_);
    c->Prepare(
         "UPDATE outbox SET sent_at = ?1, due_at = NULL, subject = '', text = '', "
         "html = '', last_error = '' WHERE id = ?2")
        .Bind(1, sent_at)
        .Bind(2, id)
        .Run();
  }

  void MarkFailed(int64_t id, std::optional<int64_t> retry_at, std::string_view error) override {
    Pool::WriteLease c(pool_);
    if (retry_at) {
      c->Prepare("UPDATE outbox SET due_at = ?1, last_error = ?2 WHERE id = ?3")
          .Bind(1, *retry_at)
          .Bind(2, error)
          .Bind(3, id)
          .Run();
    } else {
      c->Prepare(
           "UPDATE outbox SET due_at = NULL, subject = '', text = '', html = '', "
           "last_error = ?1 WHERE id = ?2")
          .Bind(1, error)
          .Bind(2, id)
          .Run();
    }
  }

  std::optional<OutboxMessage> Find(int64_t id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_OUTBOX_COLUMNS " FROM outbox WHERE id = ?");
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadMessage(st);
  }

  int64_t PurgeFinished(int64_t before) override {
    Pool::WriteLease c(pool_);
    c->Prepare(
         "DELETE FROM outbox WHERE due_at IS NULL AND queued_at < ?")
        .Bind(1, before)
        .Run();
    return c->Changes();
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_OUTBOX_COLUMNS

}  // namespace

std::unique_ptr<OutboxStore> MakeOutboxStore(Pool& pool) { return std::make_unique<SqliteOutboxStore>(pool); }

}  // namespace dfauth::store::sqlite
