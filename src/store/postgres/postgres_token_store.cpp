// TokenStore on PostgreSQL: revoked jtis, token families and refresh tokens (migrations 1, 6).
#include <algorithm>

#include "store/postgres/stores.hpp"
#include "store/postgres/user_rows.hpp"

namespace dfauth::store::postgres {
namespace {

// A rotation in one statement (one round trip): the presented token's subject is checked as
// FindTokenState would (user $5 active, no token revocation after $9, neither $2 nor the
// session key $10 revoked), the family's row is share-locked while it is not revoked (a
// concurrent revocation waits for the rotation, or the rotation finds the family revoked),
// the presented token is spent only if nobody spent it yet (concurrent rotations queue on its
// row lock and, after the winner commits, find spent_at set), and the next token is inserted
// only when the spend happened.
constexpr const char* kRotate =
    "WITH fit AS (SELECT 1 FROM users WHERE id = $5 AND is_active AND tokens_valid_after <= $9 "
    "AND NOT EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = $2) "
    "AND NOT EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = $10)), "
    "fam AS (SELECT family FROM token_families WHERE family = $1 AND revoked_at IS NULL "
    "AND EXISTS(SELECT 1 FROM fit) FOR SHARE), "
    "spent AS (UPDATE refresh_tokens SET spent_at = $3 WHERE family = (SELECT family FROM fam) "
    "AND jti = $2 AND spent_at IS NULL RETURNING jti) "
    "INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
    "SELECT $1, $4, $5, $6, $7, $8 FROM spent RETURNING jti";

// Revokes the family unless it already is; only the caller that flipped revoked_at files the
// revocations, so concurrent revokers of one family queue on its row and never collide on
// revoked_tokens. Every refresh and access jti of the family is revoked until the refresh
// token's expiry (an access token never outlives the refresh token issued beside it).
bool MarkFamilyRevoked(Connection& c, std::string_view family, int64_t now) {
  Transaction tx(c);
  if (c.Run("UPDATE token_families SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL RETURNING 1",
            Params().Add(now).Add(family))
          .Empty()) {
    return false;
  }
  c.Run("INSERT INTO revoked_tokens(jti, expires_at) "
        "SELECT jti, max(expires_at) FROM (SELECT jti, expires_at FROM refresh_tokens WHERE family = $1 "
        "UNION ALL SELECT access_jti, expires_at FROM refresh_tokens WHERE family = $1) t GROUP BY jti "
        "ON CONFLICT (jti) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at)",
        Params().Add(family));
  tx.Commit();
  return true;
}

class PostgresTokenStore final : public TokenStore {
 public:
  explicit PostgresTokenStore(Pool& pool) : pool_(pool) {}

  std::optional<TokenSubject> FindTokenSubject(int64_t user_id, std::string_view jti, std::string_view sid) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_USER_COLUMNS ", EXISTS(SELECT 1 FROM revoked_tokens WHERE jti IN ($2, $3)) "
                       "FROM users WHERE id = $1",
                       Params().Add(user_id).Add(jti).Add(SecondRevocationKey(jti, sid)));
    if (rows.Empty()) return std::nullopt;
    return TokenSubject{ReadUser(rows, 0), rows.Bool(0, 17)};
  }

  std::optional<TokenState> FindTokenState(int64_t user_id, std::string_view jti, std::string_view sid) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT tokens_valid_after, EXISTS(SELECT 1 FROM revoked_tokens WHERE jti IN ($2, $3)), is_active "
                       "FROM users WHERE id = $1",
                       Params().Add(user_id).Add(jti).Add(SecondRevocationKey(jti, sid)));
    if (rows.Empty()) return std::nullopt;
    return TokenState{rows.Int64(0, 0), rows.Bool(0, 1), rows.Bool(0, 2)};
  }

  void RevokeJti(std::string_view jti, int64_t expires_at) override {
    Pool::Lease c(pool_);
    c->Run("INSERT INTO revoked_tokens(jti, expires_at) VALUES($1, $2) ON CONFLICT (jti) DO UPDATE "
           "SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at)",
           Params().Add(jti).Add(expires_at));
  }

  bool IsJtiRevoked(std::string_view jti) override {
    Pool::Lease c(pool_);
    return !c->Run("SELECT 1 FROM revoked_tokens WHERE jti = $1", Params().Add(jti)).Empty();
  }

  void SaveRefreshToken(const RefreshTokenRecord& r) override {
    Pool::Lease c(pool_);
    // The family and its first token in one statement: the foreign key is checked at its end.
    c->Run("WITH f AS (INSERT INTO token_families(family, user_id) VALUES($1, $3) ON CONFLICT DO NOTHING) "
           "INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
           "VALUES($1, $2, $3, $4, $5, $6)",
           Params().Add(r.family).Add(r.jti).Add(r.user_id).Add(r.access_jti).Add(r.issued_at).Add(r.expires_at));
  }

  SpendResult RotateRefreshToken(const PresentedRefresh& presented, const RefreshTokenRecord& next,
                                 int64_t now) override {
    Pool::Lease c(pool_);
    const int64_t valid_since = std::min(presented.issued_at, next.issued_at);
    const std::string session_key = SecondRevocationKey(presented.jti, presented.sid);
    auto rotated = c->Run(kRotate, Params()
                                       .Add(next.family)
                                       .Add(presented.jti)
                                       .Add(now)
                                       .Add(next.jti)
                                       .Add(next.user_id)
                                       .Add(next.access_jti)
                                       .Add(next.issued_at)
                                       .Add(next.expires_at)
                                       .Add(valid_since)
                                       .Add(session_key));
    if (!rotated.Empty()) return SpendResult::kSpent;
    // Why not: unknown, revoked (the token, its session or its family), an unfit user, or spent before (reuse: the family goes).
    auto state = c->Run("SELECT r.spent_at IS NOT NULL, f.revoked_at IS NOT NULL, "
                        "EXISTS(SELECT 1 FROM revoked_tokens WHERE jti IN ($2, $5)), "
                        "EXISTS(SELECT 1 FROM users u WHERE u.id = $3 AND u.is_active "
                        "AND u.tokens_valid_after <= $4) "
                        "FROM refresh_tokens r JOIN token_families f ON f.family = r.family "
                        "WHERE r.family = $1 AND r.jti = $2",
                        Params().Add(next.family).Add(presented.jti).Add(next.user_id).Add(valid_since).Add(session_key));
    if (state.Empty()) return SpendResult::kUnknown;
    if (state.Bool(0, 2)) return SpendResult::kRevoked;
    if (!state.Bool(0, 3)) return SpendResult::kRefused;
    if (state.Bool(0, 1)) return SpendResult::kRevoked;
    if (!state.Bool(0, 0)) return SpendResult::kAlreadySpent;  // lost a race that left no trace
    return MarkFamilyRevoked(*c, next.family, now) ? SpendResult::kAlreadySpent : SpendResult::kRevoked;
  }

  void RevokeFamily(std::string_view family, int64_t now) override {
    Pool::Lease c(pool_);
    MarkFamilyRevoked(*c, family, now);
  }

  bool PurgeExpiredTokens(int64_t now, int64_t row_limit) override {
    // Statements of at most kChunk rows per table, each found through an expires_at index, so
    // that no lock is held for long whatever the table sizes.
    constexpr int64_t kChunk = 200;
    for (int64_t purged = 0;;) {
      Pool::Lease c(pool_);
      Params p;
      p.Add(now).Add(kChunk);
      int64_t removed =
          c->Run("DELETE FROM revoked_tokens WHERE jti IN "
                 "(SELECT jti FROM revoked_tokens WHERE expires_at < $1 LIMIT $2)", p)
              .Affected();
      // A family none of whose tokens is still valid can never be presented again: it goes,
      // and its tokens with it (ON DELETE CASCADE).
      removed += c->Run("DELETE FROM token_families WHERE family IN "
                        "(SELECT family FROM refresh_tokens WHERE expires_at < $1 LIMIT $2) "
                        "AND NOT EXISTS (SELECT 1 FROM refresh_tokens r "
                        "WHERE r.family = token_families.family AND r.expires_at >= $1)", p)
                     .Affected();
      // Expired (spent) tokens of families that live on.
      removed += c->Run("DELETE FROM refresh_tokens WHERE (family, jti) IN "
                        "(SELECT family, jti FROM refresh_tokens WHERE expires_at < $1 LIMIT $2)", p)
                     .Affected();
      if (removed == 0) return true;
      purged += removed;
      if (purged >= row_limit) return false;
    }
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<TokenStore> MakeTokenStore(Pool& pool) { return std::make_unique<PostgresTokenStore>(pool); }

}  // namespace dfauth::store::postgres
