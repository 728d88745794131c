// PasskeyStore on SQLite: passkeys and webauthn_challenges (migration 11).
#include "store/passkey_store.hpp"
#include "store/purge.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {
namespace {

#define DFAUTH_PASSKEY_COLUMNS                                                                    \
  "id, user_id, credential_id, public_key, algorithm, sign_count, user_verified, "               \
  "backup_eligible, backed_up, aaguid, transports, name, created_at, last_used_at, cloned"

Passkey ReadPasskey(const Statement& row) {
  Passkey p;
  p.id = row.Int64(0);
  p.user_id = row.Int64(1);
  p.credential_id = row.Text(2);
  p.public_key = row.Text(3);
  p.algorithm = row.Int64(4);
  p.sign_count = row.Int64(5);
  p.user_verified = row.Bool(6);
  p.backup_eligible = row.Bool(7);
  p.backed_up = row.Bool(8);
  p.aaguid = row.Text(9);
  p.transports = row.Text(10);
  p.name = row.Text(11);
  p.created_at = row.Int64(12);
  p.last_used_at = row.Int64(13);
  p.cloned = row.Bool(14);
  return p;
}

class SqlitePasskeyStore final : public PasskeyStore {
 public:
  explicit SqlitePasskeyStore(Pool& pool) : pool_(pool) {}

  std::optional<int64_t> CreatePasskey(const Passkey& p) override {
    Pool::WriteLease c(pool_);
    auto st = c->Prepare(
        "INSERT INTO passkeys(user_id, credential_id, public_key, algorithm, sign_count, user_verified, "
        "backup_eligible, backed_up, aaguid, transports, name, created_at, last_used_at, cloned) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
        "ON CONFLICT(credential_id) DO NOTHING RETURNING id");
    st.Bind(1, p.user_id).Bind(2, p.credential_id).Bind(3, p.public_key).Bind(4, p.algorithm)
        .Bind(5, p.sign_count).Bind(6, int64_t{p.user_verified}).Bind(7, int64_t{p.backup_eligible})
        .Bind(8, int64_t{p.backed_up}).Bind(9, p.aaguid).Bind(10, p.transports).Bind(11, p.name)
        .Bind(12, p.created_at).Bind(13, p.last_used_at).Bind(14, int64_t{p.cloned});
    if (!st.Step()) return std::nullopt;
    const int64_t id = st.Int64(0);
    while (st.Step()) {
    }
    return id;
  }

  std::optional<Passkey> FindPasskeyByCredential(std::string_view credential_id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_PASSKEY_COLUMNS " FROM passkeys WHERE credential_id = ?");
    st.Bind(1, credential_id);
    if (!st.Step()) return std::nullopt;
    return ReadPasskey(st);
  }

  std::optional<Passkey> FindPasskey(int64_t user_id, int64_t id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_PASSKEY_COLUMNS " FROM passkeys WHERE id = ? AND user_id = ?");
    st.Bind(1, id).Bind(2, user_id);
    if (!st.Step()) return std::nullopt;
    return ReadPasskey(st);
  }

  std::vector<Passkey> ListPasskeys(int64_t user_id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_PASSKEY_COLUMNS " FROM passkeys WHERE user_id = ? ORDER BY id");
    st.Bind(1, user_id);
    std::vector<Passkey> out;
    while (st.Step()) out.push_back(ReadPasskey(st));
    return out;
  }

  bool DeletePasskey(int64_t user_id, int64_t id) override {
    Pool::WriteLease c(pool_);
    c->Prepare("DELETE FROM passkeys WHERE id = ? AND user_id = ?").Bind(1, id).Bind(2, user_id).Run();
    return c->Changes() > 0;
  }

  bool UpdatePasskey(int64_t id, const std::function<bool(Passkey&)>& mutate) override {
    Pool::WriteLease c(pool_);
    // IMMEDIATE takes the write lock before the read: two sign-ins with one passkey serialise
    // here and the second sees the first one's sign count.
    Transaction tx(*c, TransactionMode::kImmediate);
    Passkey p;
    {
      auto st = c->Prepare("SELECT " DFAUTH_PASSKEY_COLUMNS " FROM passkeys WHERE id = ?");
      st.Bind(1, id);
      if (!st.Step()) return false;
      p = ReadPasskey(st);
    }
    if (!mutate(p)) return true;
    c->Prepare("UPDATE passkeys SET sign_count = ?1, backed_up = ?2, last_used_at = ?3, cloned = ?4, "
               "name = ?5 WHERE id = ?6")
        .Bind(1, p.sign_count)
        .Bind(2, int64_t{p.backed_up})
        .Bind(3, p.last_used_at)
        .Bind(4, int64_t{p.cloned})
        .Bind(5, p.name)
        .Bind(6, id)
        .Run();
    tx.Commit();
    return true;
  }

  void SaveChallenge(const WebAuthnChallenge& ch) override {
    Pool::WriteLease c(pool_);
    c->Prepare("INSERT INTO webauthn_challenges(id, ceremony, user_id, challenge, expires_at) "
               "VALUES(?, ?, ?, ?, ?)")
        .Bind(1, ch.id).Bind(2, ch.ceremony).Bind(3, ch.user_id).Bind(4, ch.challenge).Bind(5, ch.expires_at)
        .Run();
  }

  std::optional<WebAuthnChallenge> TakeChallenge(std::string_view id) override {
    Pool::WriteLease c(pool_);
    auto st = c->Prepare("DELETE FROM webauthn_challenges WHERE id = ? "
                         "RETURNING id, ceremony, user_id, challenge, expires_at");
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    WebAuthnChallenge ch{st.Text(0), st.Text(1), st.Int64(2), st.Text(3), st.Int64(4)};
    while (st.Step()) {
    }
    return ch;
  }

  bool PurgeExpiredChallenges(int64_t now, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::WriteLease c(pool_);
      c->Prepare("DELETE FROM webauthn_challenges WHERE id IN "
                 "(SELECT id FROM webauthn_challenges WHERE expires_at < ?1 LIMIT ?2)")
          .Bind(1, now)
          .Bind(2, chunk)
          .Run();
      return c->Changes();
    });
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PASSKEY_COLUMNS

}  // namespace

std::unique_ptr<PasskeyStore> MakePasskeyStore(Pool& pool) {
  return std::make_unique<SqlitePasskeyStore>(pool);
}

}  // namespace dfauth::store::sqlite
