// TokenStore on SQLite: revoked jtis, token families and refresh tokens (migrations 1 and 6).
#include <algorithm>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"
#include "store/sqlite/user_rows.hpp"

namespace dfauth::store::sqlite {

namespace {

// Marks the family revoked and blacklists every refresh and access jti issued in it until the
// refresh token's expiry (an access token never outlives the refresh token issued beside it).
void MarkFamilyRevoked(Connection& c, std::string_view family, int64_t now) {
  c.Prepare("UPDATE token_families SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL")
      .Bind(1, now)
      .Bind(2, family)
      .Run();
  c.Prepare(
       "INSERT INTO revoked_tokens(jti, expires_at) "
       "SELECT jti, expires_at FROM refresh_tokens WHERE family = ?1 "
       "UNION ALL SELECT access_jti, expires_at FROM refresh_tokens WHERE family = ?1 "
       "ON CONFLICT(jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
      .Bind(1, family)
      .Run();
}

class SqliteTokenStore final : public TokenStore {
 public:
  explicit SqliteTokenStore(Pool& pool) : pool_(pool) {}

  void RevokeJti(std::string_view jti, int64_t expires_at) override;
  bool IsJtiRevoked(std::string_view jti) override;
  std::optional<TokenSubject> FindTokenSubject(int64_t user_id, std::string_view jti,
                                               std::string_view sid) override;
  std::optional<TokenState> FindTokenState(int64_t user_id, std::string_view jti,
                                           std::string_view sid) override;
  void SaveRefreshToken(const RefreshTokenRecord& record) override;
  SpendResult RotateRefreshToken(const PresentedRefresh& presented, const RefreshTokenRecord& next,
                                 int64_t now) override;
  void RevokeFamily(std::string_view family, int64_t now) override;
  bool PurgeExpiredTokens(int64_t now, int64_t row_limit) override;

 private:
  Pool& pool_;
};

std::optional<TokenStore::TokenSubject> SqliteTokenStore::FindTokenSubject(int64_t user_id, std::string_view jti,
                                                                           std::string_view sid) {
  Pool::Lease c(pool_);
  auto st = c->Prepare(kSelectTokenSubject);
  if (!st.Bind(1, user_id).Bind(2, jti).Bind(3, SecondRevocationKey(jti, sid)).Step()) return std::nullopt;
  TokenSubject subject{ReadUser(st), st.Int64(17) != 0};
  return subject;
}

std::optional<TokenStore::TokenState> SqliteTokenStore::FindTokenState(int64_t user_id, std::string_view jti,
                                                                       std::string_view sid) {
  Pool::Lease c(pool_);
  auto st = c->Prepare(kSelectTokenState);
  if (!st.Bind(1, user_id).Bind(2, jti).Bind(3, SecondRevocationKey(jti, sid)).Step()) return std::nullopt;
  return TokenState{st.Int64(0), st.Int64(1) != 0, st.Bool(2)};
}

void SqliteTokenStore::RevokeJti(std::string_view jti, int64_t expires_at) {
  Pool::WriteLease c(pool_);
  c->Prepare(
       "INSERT INTO revoked_tokens(jti, expires_at) VALUES(?1, ?2) "
       "ON CONFLICT(jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
      .Bind(1, jti)
      .Bind(2, expires_at)
      .Run();
}

bool SqliteTokenStore::IsJtiRevoked(std::string_view jti) {
  Pool::Lease c(pool_);
  return c->Prepare("SELECT 1 FROM revoked_tokens WHERE jti = ?").Bind(1, jti).Step();
}


void InsertRefreshToken(Connection& c, const RefreshTokenRecord& r) {
  c.Prepare(
       "INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
      .Bind(1, r.family)
      .Bind(2, r.jti)
      .Bind(3, r.user_id)
      .Bind(4, r.access_jti)
      .Bind(5, r.issued_at)
      .Bind(6, r.expires_at)
      .Run();
}


void SqliteTokenStore::SaveRefreshToken(const RefreshTokenRecord& r) {
  Pool::WriteLease c(pool_);
  Transaction tx(*c, TransactionMode::kImmediate);
  c->Prepare("INSERT OR IGNORE INTO token_families(family, user_id) VALUES(?1, ?2)")
      .Bind(1, r.family)
      .Bind(2, r.user_id)
      .Run();
  InsertRefreshToken(*c, r);
  tx.Commit();
}

SpendResult SqliteTokenStore::RotateRefreshToken(const PresentedRefresh& presented,
                                                 const RefreshTokenRecord& next, int64_t now) {
  const std::string_view jti = presented.jti;
  Pool::WriteLease c(pool_);
  // IMMEDIATE: concurrent spends of one jti serialise on the write lock, so the read below
  // and the writes after it see one consistent state. The family's tokens share a primary-key
  // range (family, jti), so the spent row and the new one usually sit on one page.
  Transaction tx(*c, TransactionMode::kImmediate);
  bool spent = false;
  bool revoked = false;
  {
    auto st = c->Prepare(
        "SELECT r.spent_at IS NOT NULL, f.revoked_at IS NOT NULL, "
        "(EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?2) OR EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?5)), "
        "EXISTS(SELECT 1 FROM users u WHERE u.id = ?3 AND u.is_active AND u.tokens_valid_after <= ?4) "
        "FROM refresh_tokens r JOIN token_families f ON f.family = r.family "
        "WHERE r.family = ?1 AND r.jti = ?2");
    if (!st.Bind(1, next.family)
             .Bind(2, jti)
             .Bind(3, next.user_id)
             .Bind(4, std::min(presented.issued_at, next.issued_at))
             .Bind(5, SecondRevocationKey(jti, presented.sid))
             .Step()) {
      return SpendResult::kUnknown;
    }
    if (st.Bool(2)) return SpendResult::kRevoked;
    if (!st.Bool(3)) return SpendResult::kRefused;
    spent = st.Bool(0);
    revoked = st.Bool(1);
  }
  if (revoked) return SpendResult::kRevoked;
  if (spent) {
    MarkFamilyRevoked(*c, next.family, now);
    tx.Commit();
    return SpendResult::kAlreadySpent;
  }
  c->Prepare("UPDATE refresh_tokens SET spent_at = ?1 WHERE family = ?2 AND jti = ?3 "
             "AND spent_at IS NULL")
      .Bind(1, now)
      .Bind(2, next.family)
      .Bind(3, jti)
      .Run();
  if (c->Changes() != 1) {
    // Unreachable while the write lock is held; kept so a change of locking cannot turn a
    // lost race into a second kSpent.
    return SpendResult::kAlreadySpent;
  }
  InsertRefreshToken(*c, next);
  tx.Commit();
  return SpendResult::kSpent;
}

void SqliteTokenStore::RevokeFamily(std::string_view family, int64_t now) {
  Pool::WriteLease c(pool_);
  Transaction tx(*c, TransactionMode::kImmediate);
  MarkFamilyRevoked(*c, family, now);
  tx.Commit();
}

bool SqliteTokenStore::PurgeExpiredTokens(int64_t now, int64_t row_limit) {
  // Short transactions of at most kChunk rows per table, each found through an expires_at
  // index, so that the writer is held for milliseconds whatever the table sizes. (One pass over
  // every family held all writes — logins, OTP, refreshes — for 0.2 s per 300,000 families.)
  constexpr int64_t kChunk = 200;
  for (int64_t purged = 0;; ) {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    c->Prepare(
         "DELETE FROM revoked_tokens WHERE jti IN "
         "(SELECT jti FROM revoked_tokens WHERE expires_at < ?1 LIMIT ?2)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    int64_t removed = c->Changes();
    // A family none of whose tokens is still valid can never be presented again: it goes, and
    // its tokens with it (ON DELETE CASCADE).
    c->Prepare(
         "DELETE FROM token_families WHERE family IN "
         "(SELECT family FROM refresh_tokens WHERE expires_at < ?1 LIMIT ?2) "
         "AND NOT EXISTS (SELECT 1 FROM refresh_tokens r "
         "WHERE r.family = token_families.family AND r.expires_at >= ?1)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    removed += c->Changes();
    // Expired (spent) tokens of families that live on.
    c->Prepare(
         "DELETE FROM refresh_tokens WHERE (family, jti) IN "
         "(SELECT family, jti FROM refresh_tokens WHERE expires_at < ?1 LIMIT ?2)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    removed += c->Changes();
    tx.Commit();
    if (removed == 0) return true;
    purged += removed;
    if (purged >= row_limit) return false;
  }
}


}  // namespace

std::unique_ptr<TokenStore> MakeTokenStore(Pool& pool) { return std::make_unique<SqliteTokenStore>(pool); }

}  // namespace dfauth::store::sqlite
