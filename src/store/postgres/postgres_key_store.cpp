// KeyStore on PostgreSQL: server_settings and signing_keys (migration 1).
#include "store/postgres/stores.hpp"

namespace dfauth::store::postgres {
namespace {

class PostgresKeyStore final : public KeyStore {
 public:
  explicit PostgresKeyStore(Pool& pool) : pool_(pool) {}

  std::optional<std::string> GetSetting(std::string_view key) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT value FROM server_settings WHERE key = $1", Params().Add(key));
    if (rows.Empty()) return std::nullopt;
    return rows.Text(0, 0);
  }

  std::string PutSettingIfAbsent(std::string_view key, std::string_view value) override {
    Pool::Lease c(pool_);
    // The insert waits for a concurrent insert of the same key and then does nothing; the
    // SELECT that follows (a new snapshot under READ COMMITTED) reads the winner's value.
    auto inserted = c->Run("INSERT INTO server_settings(key, value) VALUES($1, $2) ON CONFLICT DO NOTHING "
                           "RETURNING value",
                           Params().Add(key).Add(value));
    if (!inserted.Empty()) return inserted.Text(0, 0);
    return c->Run("SELECT value FROM server_settings WHERE key = $1", Params().Add(key)).Text(0, 0);
  }

  void AddSigningKey(const SigningKey& key) override {
    Pool::Lease c(pool_);
    c->Run("INSERT INTO signing_keys(kid, alg, private_pem, created_at, retired_at) VALUES($1, $2, $3, $4, $5)",
           Params().Add(key.kid).Add(key.alg).Add(key.private_pem).Add(key.created_at).Add(key.retired_at));
  }

  std::vector<SigningKey> ListSigningKeys() override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT kid, alg, private_pem, created_at, retired_at FROM signing_keys "
                       "ORDER BY created_at DESC, seq DESC");
    std::vector<SigningKey> keys;
    for (int r = 0; r < rows.Count(); ++r) {
      keys.push_back({rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Int64(r, 3), rows.OptionalInt64(r, 4)});
    }
    return keys;
  }

  void RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) override {
    Pool::Lease c(pool_);
    c->Run("UPDATE signing_keys SET retired_at = $1 WHERE alg = $2 AND kid <> $3 AND retired_at IS NULL",
           Params().Add(at).Add(alg).Add(keep_kid));
  }

 private:
  Pool& pool_;
};

}  // namespace

std::unique_ptr<KeyStore> MakeKeyStore(Pool& pool) { return std::make_unique<PostgresKeyStore>(pool); }

}  // namespace dfauth::store::postgres
