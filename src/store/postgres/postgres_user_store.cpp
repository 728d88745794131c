// UserStore on PostgreSQL: the users table of migration 1.
#include <algorithm>

#include "store/postgres/stores.hpp"
#include "store/postgres/user_rows.hpp"

namespace dfauth::store::postgres {
namespace {

constexpr const char* kInsertColumns =
    "username, email, email_ci, phone_number, first_name, last_name, password, is_active, is_staff, "
    "is_superuser, two_fa_required, date_joined, last_login, extra, tokens_valid_after, invited_by, "
    "is_registering";
constexpr const char* kInsertValues = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17";

class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(Pool& pool) : pool_(pool) {}

  int64_t CreateUser(const User& user) override {
    Pool::Lease c(pool_);
    if (user.id <= 0) {
      return c->Run(std::string("INSERT INTO users(") + kInsertColumns + ") VALUES(" + kInsertValues +
                        ") RETURNING id",
                    UserParams(user))
          .Int64(0, 0);
    }
    // import-django keeps the source's ids; the identity then moves past them, so that the
    // next sign-up does not collide with an imported user.
    Transaction tx(*c);
    c->Run(std::string("INSERT INTO users(") + kInsertColumns + ", id) VALUES(" + kInsertValues + ", $18)",
           UserParams(user).Add(user.id));
    c->Run("SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))");
    tx.Commit();
    return user.id;
  }

  void UpdateUser(const User& user) override {
    Pool::Lease c(pool_);
    c->Run("UPDATE users SET username = $1, email = $2, email_ci = $3, phone_number = $4, "
           "first_name = $5, last_name = $6, password = $7, is_active = $8, is_staff = $9, "
           "is_superuser = $10, two_fa_required = $11, date_joined = $12, last_login = $13, "
           "extra = $14, tokens_valid_after = $15, invited_by = $16, is_registering = $17 "
           "WHERE id = $18",
           UserParams(user).Add(user.id));
  }

  std::optional<User> FindUserById(int64_t id) override {
    return FindWhere("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users WHERE id = $1", Params().Add(id));
  }
  std::optional<User> FindUserByUsername(std::string_view username) override {
    return FindWhere("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users WHERE username = $1", Params().Add(username));
  }
  std::optional<User> FindUserByEmail(std::string_view email) override {
    auto key = EmailKey(email);
    if (!key) return std::nullopt;
    return FindWhere("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users WHERE email_ci = $1", Params().Add(*key));
  }
  std::optional<User> FindUserByPhone(std::string_view e164) override {
    return FindWhere("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users WHERE phone_number = $1", Params().Add(e164));
  }

  std::vector<User> ListUsers(int64_t offset, int64_t limit) override {
    Pool::Lease c(pool_);
    auto rows = c->Run("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users ORDER BY id LIMIT $1 OFFSET $2",
                       Params().Add(std::max<int64_t>(0, limit)).Add(std::max<int64_t>(0, offset)));
    std::vector<User> users;
    for (int r = 0; r < rows.Count(); ++r) users.push_back(ReadUser(rows, r));
    return users;
  }

  UserPage SearchUsers(std::string_view search, int64_t offset, int64_t limit) override {
    // $1 the lowered search text; strpos() finds it anywhere (no LIKE wildcards to escape).
    constexpr const char* kWhere =
        " WHERE $1 = '' OR strpos(lower(username), $1) > 0 OR strpos(coalesce(email_ci, ''), $1) > 0 "
        "OR strpos(coalesce(phone_number, ''), $1) > 0";
    const std::string needle = EmailKey(search).value_or("");  // the same ASCII folding as email_ci
    Pool::Lease c(pool_);
    UserPage page;
    page.count = c->Run(std::string("SELECT count(*) FROM users") + kWhere, Params().Add(needle)).Int64(0, 0);
    auto rows = c->Run(std::string("SELECT " DFAUTH_PG_USER_COLUMNS " FROM users") + kWhere + " ORDER BY id LIMIT $2 OFFSET $3",
                       Params().Add(needle).Add(std::max<int64_t>(0, limit)).Add(std::max<int64_t>(0, offset)));
    for (int r = 0; r < rows.Count(); ++r) page.users.push_back(ReadUser(rows, r));
    return page;
  }

  int64_t CountUsers() override {
    Pool::Lease c(pool_);
    return c->Run("SELECT count(*) FROM users").Int64(0, 0);
  }

  bool DeleteUser(int64_t id) override {
    Pool::Lease c(pool_);
    // Families and refresh tokens go by ON DELETE CASCADE, invitees keep their row.
    return c->Run("DELETE FROM users WHERE id = $1", Params().Add(id)).Affected() == 1;
  }

  bool ReplacePasswordHash(int64_t id, std::string_view expected_hash, std::string_view new_hash) override {
    Pool::Lease c(pool_);
    return c->Run("UPDATE users SET password = $1 WHERE id = $2 AND password = $3",
                  Params().Add(new_hash).Add(id).Add(expected_hash))
               .Affected() == 1;
  }

  void RevokeUserTokens(int64_t user_id, int64_t valid_after) override {
    Pool::Lease c(pool_);
    c->Run("UPDATE users SET tokens_valid_after = greatest(tokens_valid_after, $1) WHERE id = $2",
           Params().Add(valid_after).Add(user_id));
  }

 private:
  std::optional<User> FindWhere(const char* sql, const Params& params) {
    Pool::Lease c(pool_);
    auto rows = c->Run(sql, params);
    if (rows.Empty()) return std::nullopt;
    return ReadUser(rows, 0);
  }

  Pool& pool_;
};

}  // namespace

std::unique_ptr<UserStore> MakeUserStore(Pool& pool) { return std::make_unique<PostgresUserStore>(pool); }

}  // namespace dfauth::store::postgres
