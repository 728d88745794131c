// PasswordResetStore on PostgreSQL: password_resets (migration 10).
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_RESET_COLUMNS                                                                  \
  "id, user_id, channel, destination, code_hash, valid_until, attempts, throttle_failures, " \
  "throttle_until, last_sent_at, created_at"

Device ReadReset(const Rows& rows, int r) {
  Device d;
  d.id = rows.Int64(r, 0);
  d.user_id = rows.Int64(r, 1);
  d.type = rows.Text(r, 2);
  d.name = rows.Text(r, 3);
  d.destination = rows.Text(r, 3);
  d.confirmed = true;
  d.code_hash = rows.Text(r, 4);
  d.valid_until = rows.Int64(r, 5);
  d.attempts = rows.Int64(r, 6);
  d.throttle_failures = rows.Int64(r, 7);
  d.throttle_until = rows.Int64(r, 8);
  d.last_sent_at = rows.Int64(r, 9);
  d.created_at = rows.Int64(r, 10);
  return d;
}

class PostgresPasswordResetStore final : public PasswordResetStore {
 public:
  explicit PostgresPasswordResetStore(Pool& pool) : pool_(pool) {}

  Device EnsureReset(int64_t user_id, std::string_view channel, std::string_view destination,
                     int64_t now) override {
    Pool::Lease c(pool_);
    // One upsert: concurrent first requests (on any replica) end on the one row.
    auto rows = c->Run(
        "INSERT INTO password_resets(user_id, channel, destination, created_at) VALUES($1, $2, $3, $4) "
        "ON CONFLICT (user_id, channel) DO UPDATE SET destination = excluded.destination "
        "RETURNING " DFAUTH_PG_RESET_COLUMNS,
        Params().Add(user_id).Add(channel).Add(destination).Add(now));
    return ReadReset(rows, 0);
  }

  std::optional<Device> FindReset(int64_t user_id, std::string_view channel) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_RESET_COLUMNS " FROM password_resets WHERE user_id = $1 AND channel = $2",
                       Params().Add(user_id).Add(channel));
    if (rows.Empty()) return std::nullopt;
    return ReadReset(rows, 0);
  }

  bool UpdateReset(int64_t id, const std::function<bool(Device&)>& mutate) override {
    Pool::Lease c(pool_);
    // FOR UPDATE: two confirms of one code (on any replica) queue on the row, and the second
    // reads the first one's consumption.
    Transaction tx(*c);
    auto rows = c->Run("SELECT " DFAUTH_PG_RESET_COLUMNS " FROM password_resets WHERE id = $1 FOR UPDATE",
                       Params().Add(id));
    if (rows.Empty()) return false;
    Device d = ReadReset(rows, 0);
    if (!mutate(d)) return true;
    c->Run("UPDATE password_resets SET destination = $1, code_hash = $2, valid_until = $3, attempts = $4, "
           "throttle_failures = $5, throttle_until = $6, last_sent_at = $7 WHERE id = $8",
           Params()
               .Add(d.destination).Add(d.code_hash).Add(d.valid_until).Add(d.attempts)
               .Add(d.throttle_failures).Add(d.throttle_until).Add(d.last_sent_at).Add(id));
    tx.Commit();
    return true;
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PG_RESET_COLUMNS

}  // namespace

std::unique_ptr<PasswordResetStore> MakePasswordResetStore(Pool& pool) {
  return std::make_unique<PostgresPasswordResetStore>(pool);
}

}  // namespace dfauth::store::postgres
