// The PostgreSQL backend: a Pool of libpq connections and the stores on it.
#include "store/postgres/postgres_database.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

#include "store/errors.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/stores.hpp"
#include "store/store_set.hpp"

namespace dfauth::store::postgres {
namespace {

// pg_advisory_lock key of `migrate`: two replicas starting at once take turns, and the second
// finds every migration applied. ("dfauth" in ASCII.)
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(110807136347496)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(110807136347496)";

class MigrationLock {
 public:
  explicit MigrationLock(Connection& c) : c_(c) { c_.Exec(kMigrationLock); }
  ~MigrationLock() {
    try {
      if (!c_.Broken()) c_.Exec(kMigrationUnlock);
    } catch (const std::exception&) {
      // A lost connection released the lock with its session.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  Connection& c_;
};

class PostgresDatabase final : public StoreSetDatabase {
 public:
  PostgresDatabase(const std::string& url, int pool_size)
      : pool_(url, pool_size) {
    stores_ = MakeStores(pool_);
  }
  ~PostgresDatabase() override { stores_ = {}; }  // the stores go before the pool they borrow from

  int Migrate() override {
    Pool::Lease c(pool_);
    MigrationLock lock(*c);
    c->Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    int applied = 0;
    for (const auto& migration : Migrations()) {
      if (!c->Run("SELECT 1 FROM schema_migrations WHERE version = $1", Params().Add(migration.version)).Empty()) {
        continue;
      }
      Transaction tx(*c);  // PostgreSQL's DDL is transactional: a migration lands whole or not at all
      c->Exec(migration.sql);
      c->Run("INSERT INTO schema_migrations(version, name, applied_at) VALUES($1, $2, $3)",
             Params().Add(migration.version).Add(migration.name).Add(static_cast<int64_t>(std::time(nullptr))));
      tx.Commit();
      ++applied;
    }
    return applied;
  }

  int SchemaVersion() override {
    Pool::Lease c(pool_);
    if (c->Run("SELECT to_regclass('schema_migrations') IS NOT NULL").Text(0, 0) != "t") return 0;
    auto rows = c->Run("SELECT version FROM schema_migrations");
    std::set<int> applied;
    for (int r = 0; r < rows.Count(); ++r) applied.insert(static_cast<int>(rows.Int64(r, 0)));
    return AppliedWithoutGap(Migrations(), applied);
  }

  int LatestSchemaVersion() const override {
    int latest = 0;
    for (const auto& migration : Migrations()) latest = std::max(latest, migration.version);
    return latest;
  }

  bool Ping() override {
    try {
      Pool::Lease c(pool_);
      return c->Run("SELECT 1").Text(0, 0) == "1";
    } catch (const std::exception&) {
      return false;
    }
  }

  /// A networked database waits on round trips: each pooled connection gets its worker.
  int SuggestedWorkers(int) const override { return pool_.Size(); }

 private:
  Pool pool_;
};

}  // namespace

std::unique_ptr<Database> OpenPostgresDatabase(const std::string& url, int pool_size) {
  CheckConninfo(url, "DATABASE_URL ");
  return std::make_unique<PostgresDatabase>(url, pool_size);
}

}  // namespace dfauth::store::postgres
