// KeyStore on SQLite: server settings and signing keys (migration 1).
#include <algorithm>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"
#include "store/sqlite/user_rows.hpp"

namespace dfauth::store::sqlite {

namespace {

class SqliteKeyStore final : public KeyStore {
 public:
  explicit SqliteKeyStore(Pool& pool) : pool_(pool) {}

  std::optional<std::string> GetSetting(std::string_view key) override;
  std::string PutSettingIfAbsent(std::string_view key, std::string_view value) override;

  void AddSigningKey(const SigningKey& key) override;
  std::vector<SigningKey> ListSigningKeys() override;
  void RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) override;

 private:
  Pool& pool_;
};

std::optional<std::string> SqliteKeyStore::GetSetting(std::string_view key) {
  Pool::Lease c(pool_);
  auto st = c->Prepare("SELECT value FROM server_settings WHERE key = ?");
  if (!st.Bind(1, key).Step()) return std::nullopt;
  return st.Text(0);
}

std::string SqliteKeyStore::PutSettingIfAbsent(std::string_view key, std::string_view value) {
  Pool::WriteLease c(pool_);
  Transaction tx(*c, TransactionMode::kImmediate);
  c->Prepare("INSERT OR IGNORE INTO server_settings(key, value) VALUES(?1, ?2)")
      .Bind(1, key)
      .Bind(2, value)
      .Run();
  std::string stored;
  {
    auto st = c->Prepare("SELECT value FROM server_settings WHERE key = ?");
    st.Bind(1, key).Step();
    stored = st.Text(0);
  }
  tx.Commit();
  return stored;
}

void SqliteKeyStore::AddSigningKey(const SigningKey& key) {
  Pool::WriteLease c(pool_);
  c->Prepare(
       "INSERT INTO signing_keys(kid, alg, private_pem, created_at, retired_at) "
       "VALUES(?1, ?2, ?3, ?4, ?5)")
      .Bind(1, key.kid)
      .Bind(2, key.alg)
      .Bind(3, key.private_pem)
      .Bind(4, key.created_at)
      .Bind(5, key.retired_at)
      .Run();
}

std::vector<SigningKey> SqliteKeyStore::ListSigningKeys() {
  Pool::Lease c(pool_);
  auto st = c->Prepare(
      "SELECT kid, alg, private_pem, created_at, retired_at FROM signing_keys "
      "ORDER BY created_at DESC, rowid DESC");
  std::vector<SigningKey> keys;
  while (st.Step()) {
    keys.push_back({st.Text(0), st.Text(1), st.Text(2), st.Int64(3), st.OptionalInt64(4)});
  }
  return keys;
}

void SqliteKeyStore::RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) {
  Pool::WriteLease c(pool_);
  c->Prepare(
       "UPDATE signing_keys SET retired_at = ?1 "
       "WHERE alg = ?2 AND kid <> ?3 AND retired_at IS NULL")
      .Bind(1, at)
      .Bind(2, alg)
      .Bind(3, keep_kid)
      .Run();
}


}  // namespace

std::unique_ptr<KeyStore> MakeKeyStore(Pool& pool) { return std::make_unique<SqliteKeyStore>(pool); }

}  // namespace dfauth::store::sqlite
