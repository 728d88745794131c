// SessionStore on SQLite: sessions (migration 9); revocations go to revoked_tokens as 'sid:<id>'.
#include "store/purge.hpp"
#include "store/session_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {
namespace {

#define DFAUTH_SESSION_COLUMNS \
  "id, user_id, created_at, last_used_at, expires_at, ip, user_agent, method, revoked_at"

Session ReadSession(const Statement& row) {
  Session s;
  s.id = row.Text(0);
  s.user_id = row.Int64(1);
  s.created_at = row.Int64(2);
  s.last_used_at = row.Int64(3);
  s.expires_at = row.Int64(4);
  s.ip = row.Text(5);
  s.user_agent = row.Text(6);
  s.method = row.Text(7);
  s.revoked_at = row.OptionalInt64(8);
  return s;
}

class SqliteSessionStore final : public SessionStore {
 public:
  explicit SqliteSessionStore(Pool& pool) : pool_(pool) {}

  void Create(const Session& s) override {
    Pool::WriteLease c(pool_);
    c->Prepare("INSERT INTO sessions(" DFAUTH_SESSION_COLUMNS ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, s.id)
        .Bind(2, s.user_id)
        .Bind(3, s.created_at)
        .Bind(4, s.last_used_at)
        .Bind(5, s.expires_at)
        .Bind(6, s.ip)
        .Bind(7, TruncateUserAgent(s.user_agent))
        .Bind(8, s.method)
        .Bind(9, s.revoked_at)
        .Run();
  }

  SessionPage ListForUser(int64_t user_id, int64_t now, int64_t limit, int64_t offset) override {
    Pool::Lease c(pool_);
    SessionPage page;
    {
      auto st = c->Prepare("SELECT count(*) FROM sessions WHERE user_id = ? AND revoked_at IS NULL "
                           "AND expires_at > ?");
      st.Bind(1, user_id).Bind(2, now);
      if (st.Step()) page.count = st.Int64(0);
    }
    auto st = c->Prepare("SELECT " DFAUTH_SESSION_COLUMNS " FROM sessions WHERE user_id = ? "
                         "AND revoked_at IS NULL AND expires_at > ? "
                         "ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?");
    st.Bind(1, user_id).Bind(2, now).Bind(3, limit < 0 ? int64_t{0} : limit).Bind(4, offset < 0 ? int64_t{0} : offset);
    while (st.Step()) page.sessions.push_back(ReadSession(st));
    return page;
  }

  std::optional<Session> Find(std::string_view id) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT " DFAUTH_SESSION_COLUMNS " FROM sessions WHERE id = ?");
    st.Bind(1, id);
    if (!st.Step()) return std::nullopt;
    return ReadSession(st);
  }

  bool Touch(std::string_view id, int64_t now, int64_t expires_at) override {
    Pool::WriteLease c(pool_);
    c->Prepare("UPDATE sessions SET last_used_at = ?1, expires_at = max(expires_at, ?2) "
               "WHERE id = ?3 AND last_used_at <= ?1 - ?4")
        .Bind(1, now)
        .Bind(2, expires_at)
        .Bind(3, id)
        .Bind(4, kTouchInterval)
        .Run();
    return c->Changes() == 1;
  }

  bool Revoke(std::string_view id, int64_t user_id, int64_t now, int64_t revoke_until) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    FileRevocations(*c, "id = ?3 AND user_id = ?4", revoke_until, now, id, user_id);
    c->Prepare("UPDATE sessions SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 "
               "AND revoked_at IS NULL AND expires_at > ?1")
        .Bind(1, now)
        .Bind(2, id)
        .Bind(3, user_id)
        .Run();
    const bool revoked = c->Changes() == 1;
    tx.Commit();
    return revoked;
  }

  int64_t RevokeOthers(int64_t user_id, std::string_view keep_id, int64_t now,
                       int64_t revoke_until) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);
    FileRevocations(*c, "id <> ?3 AND user_id = ?4", revoke_until, now, keep_id, user_id);
    c->Prepare("UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND id <> ?3 "
               "AND revoked_at IS NULL AND expires_at > ?1")
        .Bind(1, now)
        .Bind(2, user_id)
        .Bind(3, keep_id)
        .Run();
    const int64_t revoked = c->Changes();
    tx.Commit();
    return revoked;
  }

  bool PurgeExpiredSessions(int64_t now, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::WriteLease c(pool_);
      c->Prepare("DELETE FROM sessions WHERE id IN "
                 "(SELECT id FROM sessions WHERE expires_at < ?1 LIMIT ?2)")
          .Bind(1, now)
          .Bind(2, chunk)
          .Run();
      return c->Changes();
    });
  }

 private:
  // 'sid:<id>' in revoked_tokens for the live sessions `where` selects (?3 an id, ?4 the user),
  // until max(their expires_at, revoke_until).
  static void FileRevocations(Connection& c, const std::string& where, int64_t revoke_until,
                              int64_t now, std::string_view id, int64_t user_id) {
    c.Prepare("INSERT INTO revoked_tokens(jti, expires_at) "
              "SELECT 'sid:' || id, max(expires_at, ?1) FROM sessions WHERE " + where +
              " AND revoked_at IS NULL AND expires_at > ?2 "
              "ON CONFLICT(jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
        .Bind(1, revoke_until)
        .Bind(2, now)
        .Bind(3, id)
        .Bind(4, user_id)
        .Run();
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<SessionStore> MakeSessionStore(Pool& pool) {
  return std::make_unique<SqliteSessionStore>(pool);
}

}  // namespace dfauth::store::sqlite
