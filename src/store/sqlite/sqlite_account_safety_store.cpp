// AccountSafetyStore on SQLite: identity_changes and known_devices (migration 13).
#include "store/account_safety_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {
namespace {

#define DFAUTH_CHANGE_COLUMNS \
  "id, user_id, field, old_value, new_value, token_hash, created_at, expires_at, used_at"

IdentityChange ReadChange(const Statement& row) {
  IdentityChange c;
  c.id = row.Int64(0);
  c.user_id = row.Int64(1);
  c.field = row.Text(2);
  c.old_value = row.Text(3);
  c.new_value = row.Text(4);
  c.token_hash = row.Text(5);
  c.created_at = row.Int64(6);
  c.expires_at = row.Int64(7);
  c.used_at = row.Int64(8);
  return c;
}

class SqliteAccountSafetyStore final : public AccountSafetyStore {
 public:
  explicit SqliteAccountSafetyStore(Pool& pool) : pool_(pool) {}

  int64_t AddIdentityChange(const IdentityChange& change) override {
    Pool::WriteLease c(pool_);
    c->Prepare("INSERT INTO identity_changes(user_id, field, old_value, new_value, token_hash, created_at, "
               "expires_at, used_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, change.user_id)
        .Bind(2, change.field)
        .Bind(3, change.old_value)
        .Bind(4, change.new_value)
        .Bind(5, change.token_hash)
        .Bind(6, change.created_at)
        .Bind(7, change.expires_at)
        .Bind(8, change.used_at)
        .Run();
    return c->LastInsertRowid();
  }

  std::optional<IdentityChange> FindIdentityChange(int64_t id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_CHANGE_COLUMNS " FROM identity_changes WHERE id = ?");
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadChange(st);
  }

  bool SpendIdentityChange(int64_t id, int64_t now) override {
    Pool::WriteLease c(pool_);
    c->Prepare("UPDATE identity_changes SET used_at = ?1 WHERE id = ?2 AND used_at = 0 AND expires_at > ?1")
        .Bind(1, now)
        .Bind(2, id)
        .Run();
    return c->Changes() == 1;
  }

  DeviceSighting SeeDevice(int64_t user_id, std::string_view device_hash, int64_t now, int64_t window) override {
    Pool::WriteLease c(pool_);
    // IMMEDIATE takes the write lock before the reads: parallel sightings (any process) queue.
    Transaction tx(*c, TransactionMode::kImmediate);
    std::optional<int64_t> last_seen;
    {
      auto st = c->Prepare("SELECT last_seen_at FROM known_devices WHERE user_id = ? AND device_hash = ?");
      st.Bind(1, user_id).Bind(2, device_hash);
      if (st.Step()) last_seen = st.Int64(0);
    }
    DeviceSighting sighting = DeviceSighting::kKnown;
    if (last_seen) {
      if (*last_seen <= now - window) sighting = DeviceSighting::kNew;
      c->Prepare("UPDATE known_devices SET last_seen_at = ?1 WHERE user_id = ?2 AND device_hash = ?3")
          .Bind(1, now)
          .Bind(2, user_id)
          .Bind(3, device_hash)
          .Run();
    } else {
      bool any = false;
      {
        auto st = c->Prepare("SELECT 1 FROM known_devices WHERE user_id = ? LIMIT 1");
        st.Bind(1, user_id);
        any = st.Step();
      }
      sighting = any ? DeviceSighting::kNew : DeviceSighting::kFirstOfUser;
      c->Prepare("INSERT INTO known_devices(user_id, device_hash, first_seen_at, last_seen_at) VALUES(?1, ?2, ?3, ?3)")
          .Bind(1, user_id)
          .Bind(2, device_hash)
          .Bind(3, now)
          .Run();
    }
    tx.Commit();
    return sighting;
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_CHANGE_COLUMNS

}  // namespace

std::unique_ptr<AccountSafetyStore> MakeAccountSafetyStore(Pool& pool) {
  return std::make_unique<SqliteAccountSafetyStore>(pool);
}

}  // namespace dfauth::store::sqlite
