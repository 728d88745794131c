#pragma once
// The users table's columns as the SQLite stores read and bind them (users and the token
// checks that read a user in the same statement). Internal to store/sqlite.

#include "store/email_key.hpp"
#include "store/sqlite/connection.hpp"
#include "store/user_store.hpp"

namespace dfauth::store::sqlite {

#define DFAUTH_USER_COLUMNS                                                                    \
  "id, username, email, phone_number, first_name, last_name, password, is_active, is_staff, " \
  "is_superuser, two_fa_required, date_joined, last_login, extra, tokens_valid_after, "       \
  "invited_by, is_registering"

constexpr const char* kSelectUserById = "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE id = ?";
// The user and whether the jti (?2) or its session (?3) is revoked, in one statement (column 17
// is the flag). Two primary-key probes: `jti IN (?2, ?3)` made SQLite build an ephemeral table
// for the list on every request.
constexpr const char* kSelectTokenSubject =
    "SELECT " DFAUTH_USER_COLUMNS ", (EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?2) OR EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?3)) "
    "FROM users WHERE id = ?1";
constexpr const char* kSelectTokenState =
    "SELECT tokens_valid_after, (EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?2) OR EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?3)), is_active "
    "FROM users WHERE id = ?1";
constexpr const char* kSelectUserByUsername =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE username = ?";
constexpr const char* kSelectUserByEmail =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE email_ci = ?";
constexpr const char* kSelectUserByPhone =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE phone_number = ?";
constexpr const char* kListUsers =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users ORDER BY id LIMIT ? OFFSET ?";

inline User ReadUser(const Statement& row) {
  User user;
  user.id = row.Int64(0);
  user.username = row.Text(1);
  user.email = row.OptionalText(2);
  user.phone_number = row.OptionalText(3);
  user.first_name = row.Text(4);
  user.last_name = row.Text(5);
  user.password_hash = row.Text(6);
  user.is_active = row.Bool(7);
  user.is_staff = row.Bool(8);
  user.is_superuser = row.Bool(9);
  user.two_fa_required = row.Bool(10);
  user.date_joined = row.Int64(11);
  user.last_login = row.OptionalInt64(12);
  user.extra_json = row.Text(13);
  user.tokens_valid_after = row.Int64(14);
  user.invited_by = row.OptionalInt64(15);
  user.is_registering = row.Bool(16);
  return user;
}

// Binds the 17 columns after id, in the order of the INSERT/UPDATE statements below.
inline void BindUserColumns(Statement& st, const User& u) {
  st.Bind(1, u.username)
      .Bind(2, u.email)
      .Bind(3, EmailKeyOf(u.email))
      .Bind(4, u.phone_number)
      .Bind(5, u.first_name)
      .Bind(6, u.last_name)
      .Bind(7, u.password_hash)
      .Bind(8, u.is_active)
      .Bind(9, u.is_staff)
      .Bind(10, u.is_superuser)
      .Bind(11, u.two_fa_required)
      .Bind(12, u.date_joined)
      .Bind(13, u.last_login)
      .Bind(14, u.extra_json)
      .Bind(15, u.tokens_valid_after)
      .Bind(16, u.invited_by)
      .Bind(17, u.is_registering);
}

}  // namespace dfauth::store::sqlite
