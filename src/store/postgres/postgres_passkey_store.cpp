// PasskeyStore on PostgreSQL: passkeys and webauthn_challenges (migration 11).
#include "store/postgres/stores.hpp"
#include "store/purge.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_PASSKEY_COLUMNS                                                                 \
  "id, user_id, credential_id, public_key, algorithm, sign_count, user_verified, "               \
  "backup_eligible, backed_up, aaguid, transports, name, created_at, last_used_at, cloned"

Passkey ReadPasskey(const Rows& rows, int r) {
  Passkey p;
  p.id = rows.Int64(r, 0);
  p.user_id = rows.Int64(r, 1);
  p.credential_id = rows.Text(r, 2);
  p.public_key = rows.Text(r, 3);
  p.algorithm = rows.Int64(r, 4);
  p.sign_count = rows.Int64(r, 5);
  p.user_verified = rows.Int64(r, 6) != 0;
  p.backup_eligible = rows.Int64(r, 7) != 0;
  p.backed_up = rows.Int64(r, 8) != 0;
  p.aaguid = rows.Text(r, 9);
  p.transports = rows.Text(r, 10);
  p.name = rows.Text(r, 11);
  p.created_at = rows.Int64(r, 12);
  p.last_used_at = rows.Int64(r, 13);
  p.cloned = rows.Int64(r, 14) != 0;
  return p;
}

int64_t Flag(bool b) { return b ? 1 : 0; }

class PostgresPasskeyStore final : public PasskeyStore {
 public:
  explicit PostgresPasskeyStore(Pool& pool) : pool_(pool) {}

  std::optional<int64_t> CreatePasskey(const Passkey& p) override {
    Pool::Lease c(pool_);
    auto rows = c->Run(
        "INSERT INTO passkeys(user_id, credential_id, public_key, algorithm, sign_count, user_verified, "
        "backup_eligible, backed_up, aaguid, transports, name, created_at, last_used_at, cloned) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        "ON CONFLICT (credential_id) DO NOTHING RETURNING id",
        Params().Add(p.user_id).Add(p.credential_id).Add(p.public_key).Add(p.algorithm).Add(p.sign_count)
            .Add(Flag(p.user_verified)).Add(Flag(p.backup_eligible)).Add(Flag(p.backed_up)).Add(p.aaguid)
            .Add(p.transports).Add(p.name).Add(p.created_at).Add(p.last_used_at).Add(Flag(p.cloned)));
    if (rows.Empty()) return std::nullopt;
    return rows.Int64(0, 0);
  }

  std::optional<Passkey> FindPasskeyByCredential(std::string_view credential_id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_PASSKEY_COLUMNS " FROM passkeys WHERE credential_id = $1",
                       Params().Add(credential_id));
    if (rows.Empty()) return std::nullopt;
    return ReadPasskey(rows, 0);
  }

  std::optional<Passkey> FindPasskey(int64_t user_id, int64_t id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_PASSKEY_COLUMNS " FROM passkeys WHERE id = $1 AND user_id = $2",
                       Params().Add(id).Add(user_id));
    if (rows.Empty()) return std::nullopt;
    return ReadPasskey(rows, 0);
  }

  std::vector<Passkey> ListPasskeys(int64_t user_id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_PASSKEY_COLUMNS " FROM passkeys WHERE user_id = $1 ORDER BY id",
                       Params().Add(user_id));
    std::vector<Passkey> out;
    for (int r = 0; r < rows.Count(); ++r) out.push_back(ReadPasskey(rows, r));
    return out;
  }

  bool DeletePasskey(int64_t user_id, int64_t id) override {
    Pool::Lease c(pool_);
    return c->Run("DELETE FROM passkeys WHERE id = $1 AND user_id = $2", Params().Add(id).Add(user_id))
               .Affected() > 0;
  }

  bool UpdatePasskey(int64_t id, const std::function<bool(Passkey&)>& mutate) override {
    Pool::Lease c(pool_);
    // FOR UPDATE: two sign-ins with one passkey (on any replica) queue on the row, and the
    // second reads the first one's sign count.
    Transaction tx(*c);
    auto rows = c->Run("SELECT " DFAUTH_PG_PASSKEY_COLUMNS " FROM passkeys WHERE id = $1 FOR UPDATE",
                       Params().Add(id));
    if (rows.Empty()) return false;
    Passkey p = ReadPasskey(rows, 0);
    if (!mutate(p)) return true;
    c->Run("UPDATE passkeys SET sign_count = $1, backed_up = $2, last_used_at = $3, cloned = $4, name = $5 "
           "WHERE id = $6",
           Params().Add(p.sign_count).Add(Flag(p.backed_up)).Add(p.last_used_at).Add(Flag(p.cloned))
               .Add(p.name).Add(id));
    tx.Commit();
    return true;
  }

  void SaveChallenge(const WebAuthnChallenge& ch) override {
    Pool::Lease c(pool_);
    c->Run("INSERT INTO webauthn_challenges(id, ceremony, user_id, challenge, expires_at) "
           "VALUES($1, $2, $3, $4, $5)",
           Params().Add(ch.id).Add(ch.ceremony).Add(ch.user_id).Add(ch.challenge).Add(ch.expires_at));
  }

  std::optional<WebAuthnChallenge> TakeChallenge(std::string_view id) override {
    Pool::Lease c(pool_);
    // One DELETE … RETURNING: of two verifies racing (on any replica) only one gets the row.
    auto rows = c->Run("DELETE FROM webauthn_challenges WHERE id = $1 "
                       "RETURNING id, ceremony, user_id, challenge, expires_at",
                       Params().Add(id));
    if (rows.Empty()) return std::nullopt;
    return WebAuthnChallenge{rows.Text(0, 0), rows.Text(0, 1), rows.Int64(0, 2), rows.Text(0, 3),
                             rows.Int64(0, 4)};
  }

  bool PurgeExpiredChallenges(int64_t now, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::Lease c(pool_);
      return c->Run("DELETE FROM webauthn_challenges WHERE id IN "
                    "(SELECT id FROM webauthn_challenges WHERE expires_at < $1 LIMIT $2)",
                    Params().Add(now).Add(chunk))
          .Affected();
    });
  }

 private:
  Pool& pool_;
};

#undef DFAUTH_PG_PASSKEY_COLUMNS

}  // namespace

std::unique_ptr<PasskeyStore> MakePasskeyStore(Pool& pool) {
  return std::make_unique<PostgresPasskeyStore>(pool);
}

}  // namespace dfauth::store::postgres
