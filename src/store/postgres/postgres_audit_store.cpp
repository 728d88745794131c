// AuditStore on PostgreSQL: audit_log (migration 12).
#include "store/audit_store.hpp"
#include "store/purge.hpp"
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

#define DFAUTH_PG_AUDIT_COLUMNS "id, at, event, method, outcome, user_id, actor_id, ip, detail"
// $1 the user or NULL, $2 the earliest time or NULL.
#define DFAUTH_PG_AUDIT_WHERE \
  " WHERE ($1::bigint IS NULL OR user_id = $1::bigint) AND ($2::bigint IS NULL OR at >= $2::bigint)"

AuditEvent ReadEvent(const Rows& rows, int r) {
  AuditEvent e;
  e.id = rows.Int64(r, 0);
  e.at = rows.Int64(r, 1);
  e.event = rows.Text(r, 2);
  e.method = rows.Text(r, 3);
  e.outcome = rows.Text(r, 4);
  e.user_id = rows.OptionalInt64(r, 5);
  e.actor_id = rows.OptionalInt64(r, 6);
  e.ip = rows.Text(r, 7);
  e.detail = rows.Text(r, 8);
  return e;
}

class PostgresAuditStore final : public AuditStore {
 public:
  explicit PostgresAuditStore(Pool& pool) : pool_(pool) {}

  int64_t Append(const AuditEvent& e) override {
    Pool::Lease c(pool_);
    return c->Run("INSERT INTO audit_log(at, event, method, outcome, user_id, actor_id, ip, detail) "
                  "VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                  Params().Add(e.at).Add(e.event).Add(e.method).Add(e.outcome).Add(e.user_id).Add(e.actor_id)
                      .Add(e.ip).Add(e.detail))
        .Int64(0, 0);
  }

  AuditPage List(const AuditFilter& f) override {
    Pool::Lease c(pool_);
    AuditPage page;
    page.count = c->Run("SELECT count(*) FROM audit_log" DFAUTH_PG_AUDIT_WHERE, Params().Add(f.user_id).Add(f.since))
                     .Int64(0, 0);
    auto rows = c->Run("SELECT " DFAUTH_PG_AUDIT_COLUMNS " FROM audit_log" DFAUTH_PG_AUDIT_WHERE
                       " ORDER BY at DESC, id DESC LIMIT $3 OFFSET $4",
                       Params().Add(f.user_id).Add(f.since).Add(std::max<int64_t>(0, f.limit))
                           .Add(std::max<int64_t>(0, f.offset)));
    for (int r = 0; r < rows.Count(); ++r) page.events.push_back(ReadEvent(rows, r));
    return page;
  }

  bool PurgeBefore(int64_t before, int64_t row_limit) override {
    return PurgeInRounds(row_limit, [&](int64_t chunk) {
      Pool::Lease c(pool_);
      return c->Run("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < $1 LIMIT $2)",
                    Params().Add(before).Add(chunk))
          .Affected();
    });
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<AuditStore> MakeAuditStore(Pool& pool) { return std::make_unique<PostgresAuditStore>(pool); }

}  // namespace dfauth::store::postgres
