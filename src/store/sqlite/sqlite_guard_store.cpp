// GuardStore on SQLite: the bans and counters tables of migration 4, on the connections of
// the Pool (Pool::Lease).
#include <algorithm>
#include "store/guard_store.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"

namespace dfauth::store {
namespace sqlite {
namespace {

class SqliteGuardStore final : public GuardStore {
 public:
  explicit SqliteGuardStore(Pool& pool) : pool_(pool) {}

  void Ban(std::string_view ip, int64_t until, std::string_view reason) override {
    Pool::WriteLease c(pool_);
    c->Prepare(
         "INSERT INTO ip_bans(ip, until, reason) VALUES(?1, ?2, ?3) "
         "ON CONFLICT(ip) DO UPDATE SET until = max(until, excluded.until), reason = excluded.reason")
        .Bind(1, ip)
        .Bind(2, until)
        .Bind(3, reason)
        .Run();
  }

  bool Unban(std::string_view ip) override {
    Pool::WriteLease c(pool_);
    c->Prepare("DELETE FROM ip_bans WHERE ip = ?1").Bind(1, ip).Run();
    return c->Changes() > 0;
  }

  std::vector<IpBan> ActiveBans(int64_t now) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare("SELECT ip, until, reason FROM ip_bans WHERE until > ?1 ORDER BY ip");
    st.Bind(1, now);
    std::vector<IpBan> out;
    while (st.Step()) out.push_back({st.Text(0), st.Int64(1), st.Text(2)});
    return out;
  }

  int64_t Increment(std::string_view kind, std::string_view key, int64_t window_start,
                    int64_t expires_at, int64_t delta) override {
    Pool::WriteLease c(pool_);
    // The write lock is taken at BEGIN, so the increment and the read of its result form one
    // step that no other writer (thread or process) can interleave with.
    Transaction tx(*c, TransactionMode::kImmediate);
    c->Prepare(
         "INSERT INTO security_counters(kind, key, window_start, count, expires_at) "
         "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, key, window_start) DO UPDATE SET "
         "count = max(0, count + ?6), expires_at = max(expires_at, excluded.expires_at)")
        .Bind(1, kind)
        .Bind(2, key)
        .Bind(3, window_start)
        .Bind(4, std::max<int64_t>(0, delta))
        .Bind(5, expires_at)
        .Bind(6, delta)
        .Run();
    int64_t value = 0;
    {
      auto st = c->Prepare(
          "SELECT count FROM security_counters WHERE kind = ?1 AND key = ?2 AND window_start = ?3");
      st.Bind(1, kind).Bind(2, key).Bind(3, window_start);
      if (st.Step()) value = st.Int64(0);
    }
    tx.Commit();
    return value;
  }

  std::optional<int64_t> IncrementBelow(std::string_view kind, std::string_view key,
                                        int64_t window_start, int64_t expires_at,
                                        int64_t limit) override {
    Pool::WriteLease c(pool_);
    Transaction tx(*c, TransactionMode::kImmediate);  // read and write under one write lock
    int64_t value = 0;
    {
      auto st = c->Prepare(
          "SELECT count FROM security_counters WHERE kind = ?1 AND key = ?2 AND window_start = ?3");
      st.Bind(1, kind).Bind(2, key).Bind(3, window_start);
      if (st.Step()) value = st.Int64(0);
    }
    if (value >= limit) return std::nullopt;  // the transaction rolls back: nothing written
    c->Prepare(
         "INSERT INTO security_counters(kind, key, window_start, count, expires_at) "
         "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(kind, key, window_start) DO UPDATE SET "
         "count = excluded.count, expires_at = max(expires_at, excluded.expires_at)")
        .Bind(1, kind)
        .Bind(2, key)
        .Bind(3, window_start)
        .Bind(4, value + 1)
        .Bind(5, expires_at)
        .Run();
    tx.Commit();
    return value + 1;
  }

  int64_t Count(std::string_view kind, std::string_view key, int64_t window_start) override {
    Pool::Lease c(pool_);
    auto st = c->Prepare(
        "SELECT count FROM security_counters WHERE kind = ?1 AND key = ?2 AND window_start = ?3");
    st.Bind(1, kind).Bind(2, key).Bind(3, window_start);
    return st.Step() ? st.Int64(0) : 0;
  }

  void Reset(std::string_view kind, std::string_view key) override {
    Pool::WriteLease c(pool_);
    c->Prepare("DELETE FROM security_counters WHERE kind = ?1 AND key = ?2")
        .Bind(1, kind)
        .Bind(2, key)
        .Run();
  }

  bool PurgeExpired(int64_t now, int64_t row_limit) override {
    constexpr int64_t kChunk = 50;
    for (int64_t purged = 0;;) {
      Pool::WriteLease c(pool_);
      Transaction tx(*c, TransactionMode::kImmediate);
      c->Prepare("DELETE FROM ip_bans WHERE ip IN (SELECT ip FROM ip_bans WHERE until <= ?1 LIMIT ?2)")
          .Bind(1, now)
          .Bind(2, kChunk)
          .Run();
      int64_t removed = c->Changes();
      c->Prepare("DELETE FROM security_counters WHERE (kind, key, window_start) IN (SELECT kind, key, "
                 "window_start FROM security_counters WHERE expires_at <= ?1 LIMIT ?2)")
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

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<GuardStore> MakeGuardStore(Pool& pool) { return std::make_unique<SqliteGuardStore>(pool); }

}  // namespace sqlite

}  // namespace dfauth::store
