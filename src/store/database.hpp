#pragma once
// One database backend: it owns its connections and hands out the stores the domain uses.
// `OpenDatabase` (store/open.cpp) is the only code that names backends; the domain sees this
// interface and the store interfaces only. Every store is thread-safe and blocking: call it
// from a worker pool, never from an I/O thread.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/audit_store.hpp"
#include "store/account_safety_store.hpp"
#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "store/key_store.hpp"
#include "store/outbox_store.hpp"
#include "store/passkey_store.hpp"
#include "store/password_reset_store.hpp"
#include "store/session_store.hpp"
#include "store/social_store.hpp"
#include "store/token_store.hpp"
#include "store/user_store.hpp"

namespace dfauth::store {

class Database {
 public:
  virtual ~Database() = default;

  virtual UserStore& Users() = 0;
  virtual TokenStore& Tokens() = 0;
  virtual KeyStore& Keys() = 0;
  virtual DeviceStore& Devices() = 0;
  virtual GuardStore& Guard() = 0;
  virtual OutboxStore& Outbox() = 0;
  virtual SocialStore& Social() = 0;
  virtual SessionStore& Sessions() = 0;
  virtual PasswordResetStore& PasswordResets() = 0;
  virtual PasskeyStore& Passkeys() = 0;
  virtual AuditStore& Audit() = 0;
  virtual AccountSafetyStore& AccountSafety() = 0;

  /// Applies pending numbered migrations; returns how many were applied. Idempotent, and safe
  /// when several processes migrate at once (one applies, the others wait and find it done).
  virtual int Migrate() = 0;
  /// N when migrations 1..N are all applied (0 for an empty database); a gap stops the count.
  virtual int SchemaVersion() = 0;
  /// The number of migrations this build knows.
  virtual int LatestSchemaVersion() const = 0;
  /// True when the database answers a trivial query.
  virtual bool Ping() = 0;
  /// How many database worker threads suit this backend on `cores` cores.
  virtual int SuggestedWorkers(int cores) const = 0;

  /// Write units done and the transactions that committed them, since the database was opened:
  /// a backend with group commit (SQLite) reports them (/metrics), the others nothing.
  struct WriteCounts {
    uint64_t units = 0;
    uint64_t commits = 0;
  };
  virtual std::optional<WriteCounts> GroupCommitCounts() const { return std::nullopt; }
};

/// Opens the database a DATABASE_URL names (`sqlite://PATH`, `sqlite://:memory:`,
/// `postgresql://…` / `postgres://…`). `pool_size` bounds the connections. Throws
/// std::invalid_argument for an unsupported or malformed URL (the message never repeats the
/// URL, which may hold a password) and StoreUnavailable when the database cannot be reached.
std::unique_ptr<Database> OpenDatabase(const std::string& database_url, int pool_size);

}  // namespace dfauth::store
