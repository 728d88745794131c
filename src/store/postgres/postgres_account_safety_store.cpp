// AccountSafetyStore on PostgreSQL: identity_changes and known_devices (migration 13).
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_CHANGE_COLUMNS \
  "id, user_id, field, old_value, new_value, token_hash, created_at, expires_at, used_at"

IdentityChange ReadChange(const Rows& rows, int r) {
  IdentityChange c;
  c.id = rows.Int64(r, 0);
  c.user_id = rows.Int64(r, 1);
  c.field = rows.Text(r, 2);
  c.old_value = rows.Text(r, 3);
  c.new_value = rows.Text(r, 4);
  c.token_hash = rows.Text(r, 5);
  c.created_at = rows.Int64(r, 6);
  c.expires_at = rows.Int64(r, 7);
  c.used_at = rows.Int64(r, 8);
  return c;
}

class PostgresAccountSafetyStore final : public AccountSafetyStore {
 public:
  explicit PostgresAccountSafetyStore(Pool& pool) : pool_(pool) {}

  int64_t AddIdentityChange(const IdentityChange& change) override {
    Pool::Lease c(pool_);
    auto rows = c->Run(
        "INSERT INTO identity_changes(user_id, field, old_value, new_value, token_hash, created_at, expires_at, "
        "used_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        Params()
            .Add(change.user_id).Add(change.field).Add(change.old_value).Add(change.new_value)
            .Add(change.token_hash).Add(change.created_at).Add(change.expires_at).Add(change.used_at));
    return rows.Int64(0, 0);
  }

  std::optional<IdentityChange> FindIdentityChange(int64_t id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_CHANGE_COLUMNS " FROM identity_changes WHERE id = $1", Params().Add(id));
    if (rows.Empty()) return std::nullopt;
    return ReadChange(rows, 0);
  }

  bool SpendIdentityChange(int64_t id, int64_t now) override {
    Pool::Lease c(pool_);
    // The row lock makes a parallel spender re-check used_at after the winner commits.
    return c->Run("UPDATE identity_changes SET used_at = $1 WHERE id = $2 AND used_at = 0 AND expires_at > $1",
                  Params().Add(now).Add(id))
               .Affected() == 1;
  }

  DeviceSighting SeeDevice(int64_t user_id, std::string_view device_hash, int64_t now, int64_t window) override {
    Pool::Lease c(pool_);
    Transaction tx(*c);
    // The user's row lock queues the sightings of one user (on every replica), so "no device
    // yet" and "not seen in the window" are each true for one of them only.
    c->Run("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE", Params().Add(user_id));
    auto seen = c->Run("SELECT last_seen_at FROM known_devices WHERE user_id = $1 AND device_hash = $2",
                       Params().Add(user_id).Add(device_hash));
    DeviceSighting sighting = DeviceSighting::kKnown;
    if (!seen.Empty()) {
      if (seen.Int64(0, 0) <= now - window) sighting = DeviceSighting::kNew;
      c->Run("UPDATE known_devices SET last_seen_at = $1 WHERE user_id = $2 AND device_hash = $3",
             Params().Add(now).Add(user_id).Add(device_hash));
    } else {
      const bool any = !c->Run("SELECT 1 FROM known_devices WHERE user_id = $1 LIMIT 1", Params().Add(user_id)).Empty();
      sighting = any ? DeviceSighting::kNew : DeviceSighting::kFirstOfUser;
      c->Run("INSERT INTO known_devices(user_id, device_hash, first_seen_at, last_seen_at) VALUES($1, $2, $3, $3)",
             Params().Add(user_id).Add(device_hash).Add(now));
    }
    tx.Commit();
    return sighting;
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PG_CHANGE_COLUMNS

}  // namespace

std::unique_ptr<AccountSafetyStore> MakeAccountSafetyStore(Pool& pool) {
  return std::make_unique<PostgresAccountSafetyStore>(pool);
}

}  // namespace dfauth::store::postgres
