// SessionStore on PostgreSQL: sessions (migration 9); revocations go to revoked_tokens as 'sid:<id>'.
#include "store/postgres/stores.hpp"
#include "store/purge.hpp"
#include "store/session_store.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_SESSION_COLUMNS \
  "id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, revoked_at"

Session ReadSession(const Rows& rows, int r) {
  Session s;
  s.id = rows.Text(r, 0);
  s.user_id = rows.Int64(r, 1);
  s.created_at = rows.Int64(r, 2);
  s.last_used_at = rows.Int64(r, 3);
  s.expires_at = rows.Int64(r, 4);
  s.ip = rows.Text(r, 5);
  s.user_agent = rows.Text(r, 6);
  s.method = rows.Text(r, 7);
  s.revoked_at = rows.OptionalInt64(r, 8);
  return s;
}

// Marks the live sessions `where` selects ($3 an id, $4 the user) revoked and files their
// 'sid:<id>' revocations until max(their expires_at, $1), in one statement; returns their count.
std::string RevokeStatement(const char* where) {
  return std::string(
             "WITH r AS (UPDATE sessions SET revoked_at = $2 WHERE ") +
         where +
         " AND revoked_at IS NULL AND expires_at > $2 RETURNING id, expires_at), "
         "f AS (INSERT INTO revoked_tokens(jti, expires_at) SELECT 'sid:' || id, greatest(expires_at, $1) FROM r "
         "ON CONFLICT (jti) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at)) "
         "SELECT count(*) FROM r";
}

class PostgresSessionStore final : public SessionStore {
 public:
  explicit PostgresSessionStore(Pool& pool) : pool_(pool) {}

  void Create(const Session& s) override {
    Pool::Lease c(pool_);
    c->Run("INSERT INTO sessions(" DFAUTH_PG_SESSION_COLUMNS ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
           Params()
               .Add(s.id)
               .Add(s.user_id)
               .Add(s.created_at)
               .Add(s.last_used_at)
               .Add(s.expires_at)
               .Add(s.ip)
               .Add(TruncateUserAgent(s.user_agent))
               .Add(s.method)
               .Add(s.revoked_at));
  }

  SessionPage ListForUser(int64_t user_id, int64_t now, int64_t limit, int64_t offset) override {
    Pool::Lease c(pool_);
    SessionPage page;
    page.count = c->Run("SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
                        Params().Add(user_id).Add(now))
                     .Int64(0, 0);
    auto rows = c->Run("SELECT " DFAUTH_PG_SESSION_COLUMNS " FROM sessions WHERE user_id = $1 "
                       "AND revoked_at IS NULL AND expires_at > $2 "
                       "ORDER BY created_at DESC, seq DESC LIMIT $3 OFFSET $4",
                       Params().Add(user_id).Add(now).Add(limit < 0 ? int64_t{0} : limit).Add(offset < 0 ? int64_t{0} : offset));
    for (int r = 0; r < rows.Count(); ++r) page.sessions.push_back(ReadSession(rows, r));
    return page;
  }

  std::optional<Session> Find(std::string_view id) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_SESSION_COLUMNS " FROM sessions WHERE id = $1", Params().Add(id));
    if (rows.Empty()) return std::nullopt;
    return ReadSession(rows, 0);
  }

  bool Touch(std::string_view id, int64_t now, int64_t expires_at) override {
    Pool::Lease c(pool_);
    return c->Run("UPDATE sessions SET last_used_at = $1, expires_at = greatest(expires_at, $2) "
                  "WHERE id = $3 AND last_used_at <= $4",
                  Params().Add(now).Add(expires_at).Add(id).Add(now - kTouchInterval))
               .Affected() == 1;
  }

  bool Revoke(std::string_view id, int64_t user_id, int64_t now, int64_t revoke_until) override {
    Pool::Lease c(pool_);
    static const std::string sql = RevokeStatement("id = $3 AND user_id = $4");
    return c->Run(sql, Params().Add(revoke_until).Add(now).Add(id).Add(user_id)).Int64(0, 0) == 1;
  }

  int64_t RevokeOthers(int64_t user_id, std::string_view keep_id, int64_t now, int64_t revoke_until) override {
    Pool::Lease c(pool_);
    static const std::string sql = RevokeStatement("id <> $3 AND user_id = $4");
    return c->Run(sql, Params().Add(revoke_until).Add(now).Add(keep_id).Add(user_id)).Int64(0, 0);
  }

  bool PurgeExpiredSessions(int64_t now, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::Lease c(pool_);
      return c->Run("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < $1 LIMIT $2)",
                    Params().Add(now).Add(chunk))
          .Affected();
    });
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<SessionStore> MakeSessionStore(Pool& pool) {
  return std::make_unique<PostgresSessionStore>(pool);
}

}  // namespace dfauth::store::postgres
