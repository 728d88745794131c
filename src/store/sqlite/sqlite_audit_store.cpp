// AuditStore on SQLite: audit_log (migration 12).
#include "store/audit_store.hpp"
#include "store/purge.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store::sqlite {
namespace {

#define DFAUTH_AUDIT_COLUMNS "id, at, event, method, outcome, user_id, actor_id, ip, detail"
// ?1 the user or NULL, ?2 the earliest time or NULL.
#define DFAUTH_AUDIT_WHERE " WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR at >= ?2)"

AuditEvent ReadEvent(const Statement& row) {
  AuditEvent e;
  e.id = row.Int64(0);
  e.at = row.Int64(1);
  e.event = row.Text(2);
  e.method = row.Text(3);
  e.outcome = row.Text(4);
  e.user_id = row.OptionalInt64(5);
  e.actor_id = row.OptionalInt64(6);
  e.ip = row.Text(7);
  e.detail = row.Text(8);
  return e;
}

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(Pool& pool) : pool_(pool) {}

  int64_t Append(const AuditEvent& e) override {
    Pool::WriteLease c(pool_);
    c->Prepare("INSERT INTO audit_log(at, event, method, outcome, user_id, actor_id, ip, detail) "
               "VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, e.at)
        .Bind(2, e.event)
        .Bind(3, e.method)
        .Bind(4, e.outcome)
        .Bind(5, e.user_id)
        .Bind(6, e.actor_id)
        .Bind(7, e.ip)
        .Bind(8, e.detail)
        .Run();
    return c->LastInsertRowid();
  }

  AuditPage List(const AuditFilter& f) override {
    Pool::Lease c(pool_);
    AuditPage page;
    {
      auto st = c->Prepare("SELECT count(*) FROM audit_log" DFAUTH_AUDIT_WHERE);
      st.Bind(1, f.user_id).Bind(2, f.since);
      if (st.Step()) page.count = st.Int64(0);
    }
    auto st = c->Prepare("SELECT " DFAUTH_AUDIT_COLUMNS " FROM audit_log" DFAUTH_AUDIT_WHERE
                         " ORDER BY at DESC, id DESC LIMIT ?3 OFFSET ?4");
    st.Bind(1, f.user_id).Bind(2, f.since).Bind(3, std::max<int64_t>(0, f.limit)).Bind(4, std::max<int64_t>(0, f.offset));
    while (st.Step()) page.events.push_back(ReadEvent(st));
    return page;
  }

  bool PurgeBefore(int64_t before, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::WriteLease c(pool_);
      c->Prepare("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ?1 LIMIT ?2)")
          .Bind(1, before)
          .Bind(2, chunk)
          .Run();
      return c->Changes();
    });
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<AuditStore> MakeAuditStore(Pool& pool) { return std::make_unique<SqliteAuditStore>(pool); }

}  // namespace dfauth::store::sqlite
