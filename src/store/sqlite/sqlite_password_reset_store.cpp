// PasswordResetStore on SQLite: password_resets (migration 10).
#include "store/password_reset_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {
namespace {

#define DFAUTH_RESET_COLUMNS                                                                     \
  "id, user_id, channel, destination, code_hash, valid_until, attempts, throttle_failures, " \
  "throttle_until, last_sent_at, created_at"

Device ReadReset(const Statement& row) {
  Device d;
  d.id = row.Int64(0);
  d.user_id = row.Int64(1);
  d.type = row.Text(2);
  d.name = row.Text(3);
  d.destination = row.Text(3);
  d.confirmed = true;
  d.code_hash = row.Text(4);
  d.valid_until = row.Int64(5);
  d.attempts = row.Int64(6);
  d.throttle_failures = row.Int64(7);
  d.throttle_until = row.Int64(8);
  d.last_sent_at = row.Int64(9);
  d.created_at = row.Int64(10);
  return d;
}

class SqlitePasswordResetStore final : public PasswordResetStore {
 public:
  explicit SqlitePasswordResetStore(Pool& pool) : pool_(pool) {}

  Device EnsureReset(int64_t user_id, std::string_view channel, std::string_view destination,
                     int64_t now) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    auto st = c->Prepare(
        "INSERT INTO password_resets(user_id, channel, destination, created_at) VALUES(?, ?, ?, ?) "
        "ON CONFLICT(user_id, channel) DO UPDATE SET destination = excluded.destination "
        "RETURNING " DFAUTH_RESET_COLUMNS);
    st.Bind(1, user_id).Bind(2, channel).Bind(3, destination).Bind(4, now);
    st.Step();
    Device d = ReadReset(st);
    while (st.Step()) {
    }
    tx.Commit();
    return d;
  }

  std::optional<Device> FindReset(int64_t user_id, std::string_view channel) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_RESET_COLUMNS " FROM password_resets WHERE user_id = ? AND channel = ?");
    st.Bind(1, user_id).Bind(2, channel);
    if (!st.Step()) return std::nullopt;
    return ReadReset(st);
  }

  bool UpdateReset(int64_t id, const std::function<bool(Device&)>& mutate) override {
    Pool::WriteLease c(pool_);
    // IMMEDIATE takes the write lock before the read: two confirms of one code serialise here
    // and the second sees the first one's consumption.
    Transaction tx(*c, TransactionMode::kImmediate);
    Device d;
    {
      auto st = c->Prepare("SELECT " DFAUTH_RESET_COLUMNS " FROM password_resets WHERE id = ?");
      st.Bind(1, id);
      if (!st.Step()) return false;
      d = ReadReset(st);
    }
    if (!mutate(d)) return true;
    c->Prepare(
         "UPDATE password_resets SET destination = ?1, code_hash = ?2, valid_until = ?3, attempts = ?4, "
         "throttle_failures = ?5, throttle_until = ?6, last_sent_at = ?7 WHERE id = ?8")
        .Bind(1, d.destination)
        .Bind(2, d.code_hash)
        .Bind(3, d.valid_until)
        .Bind(4, d.attempts)
        .Bind(5, d.throttle_failures)
        .Bind(6, d.throttle_until)
        .Bind(7, d.last_sent_at)
        .Bind(8, id)
        .Run();
    tx.Commit();
    return true;
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_RESET_COLUMNS

}  // namespace

std::unique_ptr<PasswordResetStore> MakePasswordResetStore(Pool& pool) {
  return std::make_unique<SqlitePasswordResetStore>(pool);
}

}  // namespace dfauth::store::sqlite
