#pragma once
// Users: the account rows the domain reads and writes. Backend-neutral, thread-safe and
// blocking: call it from a worker pool, never from an I/O thread. Times are Unix seconds (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/errors.hpp"

namespace dfauth::store {

struct User {
  int64_t id = 0;
  std::string username;
  std::optional<std::string> email;         ///< stored as given after domain normalisation
  std::optional<std::string> phone_number;  ///< E.164
  std::string first_name;
  std::string last_name;
  std::string password_hash;  ///< PHC/Django string; empty = no usable password
  bool is_active = true;
  bool is_staff = false;
  bool is_superuser = false;
  bool two_fa_required = false;
  int64_t date_joined = 0;
  std::optional<int64_t> last_login;
  std::string extra_json = "{}";  ///< USER_EXTRA_FIELDS values, a JSON object
  int64_t tokens_valid_after = 0;  ///< tokens with iat < this are refused (0: none refused)
  std::optional<int64_t> invited_by;
  bool is_registering = false;
};

/// One page of a user search, and how many users match in all.
struct UserPage {
  int64_t count = 0;
  std::vector<User> users;
};

class UserStore {
 public:
  virtual ~UserStore() = default;

  /// Inserts the user with `user.id`, or with the next id when it is 0 (import-django keeps
  /// the ids of the database it imports); throws DuplicateError naming the field.
  virtual int64_t CreateUser(const User& user) = 0;
  /// Replaces every column of the user with this id; throws DuplicateError.
  virtual void UpdateUser(const User& user) = 0;
  virtual std::optional<User> FindUserById(int64_t id) = 0;
  virtual std::optional<User> FindUserByUsername(std::string_view username) = 0;
  /// Case-insensitive (ASCII folding) on the whole address; an empty address finds nobody.
  virtual std::optional<User> FindUserByEmail(std::string_view email) = 0;
  virtual std::optional<User> FindUserByPhone(std::string_view e164) = 0;
  /// Users ordered by id, for the CLI.
  virtual std::vector<User> ListUsers(int64_t offset, int64_t limit) = 0;
  virtual int64_t CountUsers() = 0;
  /// Users whose username, email or phone number contains `search` (ASCII letters compared
  /// case-insensitively; "" matches everyone), ordered by id: the admin API's user list.
  virtual UserPage SearchUsers(std::string_view search, int64_t offset, int64_t limit) = 0;
  /// Deletes the user and everything that belongs to it; false when there was none.
  virtual bool DeleteUser(int64_t id) = 0;
  /// Stores a new password hash only if the stored one still equals `expected_hash`
  /// (so a concurrent change is not overwritten by an upgrade); true when written.
  virtual bool ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                                   std::string_view new_hash) = 0;
  /// Raises the user's tokens_valid_after to at least `valid_after` (never lowers it).
  virtual void RevokeUserTokens(int64_t user_id, int64_t valid_after) = 0;
};

}  // namespace dfauth::store
