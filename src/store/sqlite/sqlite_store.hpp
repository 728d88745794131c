#pragma once
// The SQLite implementation of Store: a bounded pool of connections to one database file in
// WAL mode (readers run in parallel, writers queue on the busy timeout), or a single
// connection to a private in-memory database for ":memory:".

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace dfauth::store::sqlite {

class Connection;

class SqliteStore final : public Store {
 public:
  /// Opens `path` (a file, created if absent, or ":memory:") with up to `pool_size`
  /// connections; throws StoreUnavailable when it cannot be opened.
  SqliteStore(const std::string& path, int pool_size);
  ~SqliteStore() override;

  int Migrate() override;
  int SchemaVersion() override;
  int LatestSchemaVersion() const override;
  bool Ping() override;

  int64_t CreateUser(const User& user) override;
  void UpdateUser(const User& user) override;
  std::optional<User> FindUserById(int64_t id) override;
  std::optional<User> FindUserByUsername(std::string_view username) override;
  std::optional<User> FindUserByEmail(std::string_view email) override;
  std::optional<User> FindUserByPhone(std::string_view e164) override;
  std::vector<User> ListUsers(int64_t offset, int64_t limit) override;
  int64_t CountUsers() override;
  bool DeleteUser(int64_t id) override;
  bool ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                           std::string_view new_hash) override;
  void RevokeUserTokens(int64_t user_id, int64_t valid_after) override;

  void RevokeJti(std::string_view jti, int64_t expires_at) override;
  bool IsJtiRevoked(std::string_view jti) override;
  std::optional<TokenSubject> FindTokenSubject(int64_t user_id, std::string_view jti) override;
  std::optional<TokenState> FindTokenState(int64_t user_id, std::string_view jti) override;
  void SaveRefreshToken(const RefreshTokenRecord& record) override;
  SpendResult RotateRefreshToken(std::string_view jti, const RefreshTokenRecord& next,
                                 int64_t now) override;
  void RevokeFamily(std::string_view family, int64_t now) override;
  bool PurgeExpiredTokens(int64_t now, int64_t row_limit) override;

  std::optional<std::string> GetSetting(std::string_view key) override;
  std::string PutSettingIfAbsent(std::string_view key, std::string_view value) override;

  void AddSigningKey(const SigningKey& key) override;
  std::vector<SigningKey> ListSigningKeys() override;
  void RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) override;

  /// A connection borrowed from the pool for one unit of work (RAII). The per-feature stores
  /// of the SQLite backend (devices, outbox, guard counters, social links) use it to share the
  /// pool: `SqliteStore::Lease c(db); c->Prepare(...)`.
  class Lease {
   public:
    explicit Lease(SqliteStore& store);
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_; }

   private:
    SqliteStore& store_;
    Connection* connection_ = nullptr;
  };

  /// The store's one writing connection, held under the write gate for one unit of work.
  /// Every write goes through it: writers of this process queue on a mutex instead of on
  /// SQLite's file lock (whose busy handler sleeps 1 ms and more per retry), and the writer's
  /// page cache stays valid between its transactions, as no other connection of ours writes.
  class WriteLease {
   public:
    explicit WriteLease(SqliteStore& store);
    WriteLease(const WriteLease&) = delete;
    WriteLease& operator=(const WriteLease&) = delete;
    Connection& operator*() const { return lease_ ? **lease_ : *store_.writer_; }
    Connection* operator->() const { return &**this; }

   private:
    SqliteStore& store_;
    std::unique_lock<std::mutex> gate_;
    std::optional<Lease> lease_;  ///< ":memory:": the one connection, from the pool
  };

 private:

  std::optional<User> FindUserWhere(const char* sql, std::string_view value);

  std::mutex mutex_;
  std::mutex write_gate_;  ///< see WriteLease
  std::unique_ptr<Connection> writer_;  ///< null for ":memory:"
  std::condition_variable available_;
  std::vector<Connection*> idle_;                 ///< guarded by mutex_
  std::vector<std::unique_ptr<Connection>> all_;   ///< owns every connection

  /// Copies the WAL back into the database on its own connection (every 50 ms while writes come
  /// in, every 500 ms when idle).
  void CheckpointLoop();
  std::unique_ptr<Connection> checkpointer_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wake_;
  bool stopping_ = false;  ///< guarded by checkpoint_mutex_
};

}  // namespace dfauth::store::sqlite
