#pragma once
// The users table's columns as the PostgreSQL stores read and bind them (users, and the token
// checks that read a user in the same statement). Internal to store/postgres.

#include "store/email_key.hpp"
#include "store/postgres/connection.hpp"
#include "store/user_store.hpp"

namespace dfauth::store::postgres {

#define DFAUTH_PG_USER_COLUMNS                                                                 \
  "id, username, email, phone_number, first_name, last_name, password, is_active, is_staff, " \
  "is_superuser, two_fa_required, date_joined, last_login, extra, tokens_valid_after, "       \
  "invited_by, is_registering"

inline User ReadUser(const Rows& rows, int r) {
  User user;
  user.id = rows.Int64(r, 0);
  user.username = rows.Text(r, 1);
  user.email = rows.OptionalText(r, 2);
  user.phone_number = rows.OptionalText(r, 3);
  user.first_name = rows.Text(r, 4);
  user.last_name = rows.Text(r, 5);
  user.password_hash = rows.Text(r, 6);
  user.is_active = rows.Bool(r, 7);
  user.is_staff = rows.Bool(r, 8);
  user.is_superuser = rows.Bool(r, 9);
  user.two_fa_required = rows.Bool(r, 10);
  user.date_joined = rows.Int64(r, 11);
  user.last_login = rows.OptionalInt64(r, 12);
  user.extra_json = rows.Text(r, 13);
  user.tokens_valid_after = rows.Int64(r, 14);
  user.invited_by = rows.OptionalInt64(r, 15);
  user.is_registering = rows.Bool(r, 16);
  return user;
}

/// $1..$17: the columns after id, in the order of the INSERT/UPDATE statements.
inline Params UserParams(const User& u) {
  Params p;
  p.Add(u.username).Add(u.email).Add(EmailKeyOf(u.email)).Add(u.phone_number).Add(u.first_name)
      .Add(u.last_name).Add(u.password_hash).Add(u.is_active).Add(u.is_staff).Add(u.is_superuser)
      .Add(u.two_fa_required).Add(u.date_joined).Add(u.last_login).Add(u.extra_json)
      .Add(u.tokens_valid_after).Add(u.invited_by).Add(u.is_registering);
  return p;
}

}  // namespace dfauth::store::postgres
