// UserStore on SQLite: the users table of migration 1.
#include <algorithm>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/sqlite/stores.hpp"
#include "store/sqlite/user_rows.hpp"

namespace dfauth::store::sqlite {

namespace {

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(Pool& pool) : pool_(pool) {}

  int64_t CreateUser(const User& user) override;
  void UpdateUser(const User& user) override;
  std::optional<User> FindUserById(int64_t id) override;
  std::optional<User> FindUserByUsername(std::string_view username) override;
  std::optional<User> FindUserByEmail(std::string_view email) override;
  std::optional<User> FindUserByPhone(std::string_view e164) override;
  std::vector<User> ListUsers(int64_t offset, int64_t limit) override;
  int64_t CountUsers() override;
  UserPage SearchUsers(std::string_view search, int64_t offset, int64_t limit) override;
  bool DeleteUser(int64_t id) override;
  bool ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                           std::string_view new_hash) override;
  void RevokeUserTokens(int64_t user_id, int64_t valid_after) override;

 private:
  std::optional<User> FindUserWhere(const char* sql, std::string_view value);

  Pool& pool_;
};

int64_t SqliteUserStore::CreateUser(const User& user) {
  Pool::WriteLease c(pool_);
  auto st = c->Prepare(
      "INSERT INTO users(username, email, email_ci, phone_number, first_name, last_name, "
      "password, is_active, is_staff, is_superuser, two_fa_required, date_joined, last_login, "
      "extra, tokens_valid_after, invited_by, is_registering, id) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
  BindUserColumns(st, user);
  if (user.id > 0) st.Bind(18, user.id);
  else st.BindNull(18);  // SQLite assigns the next id
  st.Run();
  return c->LastInsertRowid();
}

void SqliteUserStore::UpdateUser(const User& user) {
  Pool::WriteLease c(pool_);
  auto st = c->Prepare(
      "UPDATE users SET username = ?1, email = ?2, email_ci = ?3, phone_number = ?4, "
      "first_name = ?5, last_name = ?6, password = ?7, is_active = ?8, is_staff = ?9, "
      "is_superuser = ?10, two_fa_required = ?11, date_joined = ?12, last_login = ?13, "
      "extra = ?14, tokens_valid_after = ?15, invited_by = ?16, is_registering = ?17 "
      "WHERE id = ?18");
  BindUserColumns(st, user);
  st.Bind(18, user.id).Run();
}

std::optional<User> SqliteUserStore::FindUserWhere(const char* sql, std::string_view value) {
  Pool::Lease c(pool_);
  auto st = c->Prepare(sql);
  if (!st.Bind(1, value).Step()) return std::nullopt;
  return ReadUser(st);
}

std::optional<User> SqliteUserStore::FindUserById(int64_t id) {
  Pool::Lease c(pool_);
  auto st = c->Prepare(kSelectUserById);
  if (!st.Bind(1, id).Step()) return std::nullopt;
  return ReadUser(st);
}

std::optional<User> SqliteUserStore::FindUserByUsername(std::string_view username) {
  return FindUserWhere(kSelectUserByUsername, username);
}

std::optional<User> SqliteUserStore::FindUserByEmail(std::string_view email) {
  auto key = EmailKey(email);
  if (!key) return std::nullopt;
  return FindUserWhere(kSelectUserByEmail, *key);
}

std::optional<User> SqliteUserStore::FindUserByPhone(std::string_view e164) {
  return FindUserWhere(kSelectUserByPhone, e164);
}

std::vector<User> SqliteUserStore::ListUsers(int64_t offset, int64_t limit) {
  Pool::Lease c(pool_);
  auto st = c->Prepare(kListUsers);
  st.Bind(1, limit).Bind(2, std::max<int64_t>(0, offset));
  std::vector<User> users;
  while (st.Step()) users.push_back(ReadUser(st));
  return users;
}

UserPage SqliteUserStore::SearchUsers(std::string_view search, int64_t offset, int64_t limit) {
  // ?1 the lowered search text; instr() finds it anywhere (no LIKE wildcards to escape).
  constexpr const char* kWhere =
      " WHERE ?1 = '' OR instr(lower(username), ?1) > 0 OR instr(coalesce(email_ci, ''), ?1) > 0 "
      "OR instr(coalesce(phone_number, ''), ?1) > 0";
  const std::string needle = EmailKey(search).value_or("");  // the same ASCII folding as email_ci
  Pool::Lease c(pool_);
  UserPage page;
  {
    auto st = c->Prepare(std::string("SELECT count(*) FROM users") + kWhere);
    st.Bind(1, needle);
    if (st.Step()) page.count = st.Int64(0);
  }
  auto st = c->Prepare(std::string("SELECT " DFAUTH_USER_COLUMNS " FROM users") + kWhere + " ORDER BY id LIMIT ?2 OFFSET ?3");
  st.Bind(1, needle).Bind(2, std::max<int64_t>(0, limit)).Bind(3, std::max<int64_t>(0, offset));
  while (st.Step()) page.users.push_back(ReadUser(st));
  return page;
}

int64_t SqliteUserStore::CountUsers() {
  Pool::Lease c(pool_);
  auto st = c->Prepare("SELECT count(*) FROM users");
  st.Step();
  return st.Int64(0);
}

bool SqliteUserStore::DeleteUser(int64_t id) {
  Pool::WriteLease c(pool_);
  // Refresh tokens and families go by ON DELETE CASCADE, invitees keep their row.
  c->Prepare("DELETE FROM users WHERE id = ?").Bind(1, id).Run();
  return c->Changes() == 1;
}

bool SqliteUserStore::ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                                      std::string_view new_hash) {
  Pool::WriteLease c(pool_);
  c->Prepare("UPDATE users SET password = ?1 WHERE id = ?2 AND password = ?3")
      .Bind(1, new_hash)
      .Bind(2, id)
      .Bind(3, expected_hash)
      .Run();
  return c->Changes() == 1;
}

void SqliteUserStore::RevokeUserTokens(int64_t user_id, int64_t valid_after) {
  Pool::WriteLease c(pool_);
  c->Prepare("UPDATE users SET tokens_valid_after = max(tokens_valid_after, ?1) WHERE id = ?2")
      .Bind(1, valid_after)
      .Bind(2, user_id)
      .Run();
}


}  // namespace

std::unique_ptr<UserStore> MakeUserStore(Pool& pool) { return std::make_unique<SqliteUserStore>(pool); }

}  // namespace dfauth::store::sqlite
