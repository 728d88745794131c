// GuardStore on PostgreSQL: ip_bans and security_counters (migration 4). Every counter change
// is one upsert statement, atomic across replicas.
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

class PostgresGuardStore final : public GuardStore {
 public:
  explicit PostgresGuardStore(Pool& pool) : pool_(pool) {}

  void Ban(std::string_view ip, int64_t until, std::string_view reason) override {
    Pool::Lease c(pool_);
    c->Run("INSERT INTO ip_bans(ip, until, reason) VALUES($1, $2, $3) ON CONFLICT (ip) DO UPDATE "
           "SET until = greatest(ip_bans.until, excluded.until), reason = excluded.reason",
           Params().Add(ip).Add(until).Add(reason));
  }

  bool Unban(std::string_view ip) override {
    Pool::Lease c(pool_);
    return c->Run("DELETE FROM ip_bans WHERE ip = $1", Params().Add(ip)).Affected() > 0;
  }

  std::vector<IpBan> ActiveBans(int64_t now) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT ip, until, reason FROM ip_bans WHERE until > $1 ORDER BY ip", Params().Add(now));
    std::vector<IpBan> out;
    for (int r = 0; r < rows.Count(); ++r) out.push_back({rows.Text(r, 0), rows.Int64(r, 1), rows.Text(r, 2)});
    return out;
  }

  int64_t Increment(std::string_view kind, std::string_view key, int64_t window_start, int64_t expires_at,
                    int64_t delta) override {
    Pool::Lease c(pool_);
    return c->Run("INSERT INTO security_counters(kind, key, window_start, count, expires_at) "
                  "VALUES($1, $2, $3, greatest(0, $4::bigint), $5) ON CONFLICT (kind, key, window_start) DO UPDATE "
                  "SET count = greatest(0, security_counters.count + $4::bigint), "
                  "expires_at = greatest(security_counters.expires_at, excluded.expires_at) RETURNING count",
                  Params().Add(kind).Add(key).Add(window_start).Add(delta).Add(expires_at))
        .Int64(0, 0);
  }

  std::optional<int64_t> IncrementBelow(std::string_view kind, std::string_view key, int64_t window_start,
                                        int64_t expires_at, int64_t limit) override {
    if (limit <= 0) return std::nullopt;
    Pool::Lease c(pool_);
    // The WHERE of DO UPDATE is judged on the locked row: at the limit nothing changes and
    // nothing is returned, however many replicas try at once.
    auto rows = c->Run("INSERT INTO security_counters(kind, key, window_start, count, expires_at) "
                       "VALUES($1, $2, $3, 1, $4) ON CONFLICT (kind, key, window_start) DO UPDATE "
                       "SET count = security_counters.count + 1, "
                       "expires_at = greatest(security_counters.expires_at, excluded.expires_at) "
                       "WHERE security_counters.count < $5 RETURNING count",
                       Params().Add(kind).Add(key).Add(window_start).Add(expires_at).Add(limit));
    if (rows.Empty()) return std::nullopt;
    return rows.Int64(0, 0);
  }

  int64_t Count(std::string_view kind, std::string_view key, int64_t window_start) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT count FROM security_counters WHERE kind = $1 AND key = $2 AND window_start = $3",
                       Params().Add(kind).Add(key).Add(window_start));
    return rows.Empty() ? 0 : rows.Int64(0, 0);
  }

  void Reset(std::string_view kind, std::string_view key) override {
    Pool::Lease c(pool_);
    c->Run("DELETE FROM security_counters WHERE kind = $1 AND key = $2", Params().Add(kind).Add(key));
  }

  bool PurgeExpired(int64_t now, int64_t row_limit) override {
    // One statement per table and chunk, each its own transaction, found through the expiry
    // indexes: no lock is held for long whatever the table sizes.
    constexpr int64_t kChunk = 50;
    for (int64_t purged = 0;;) {
      Pool::Lease c(pool_);
      Params p;
      p.Add(now).Add(kChunk);
      int64_t removed =
          c->Run("DELETE FROM ip_bans WHERE ip IN (SELECT ip FROM ip_bans WHERE until <= $1 LIMIT $2)", p)
              .Affected();
      removed += c->Run("DELETE FROM security_counters WHERE (kind, key, window_start) IN (SELECT kind, key, "
                        "window_start FROM security_counters WHERE expires_at <= $1 LIMIT $2)", p)
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

std::unique_ptr<GuardStore> MakeGuardStore(Pool& pool) { return std::make_unique<PostgresGuardStore>(pool); }

}  // namespace dfauth::store::postgres
