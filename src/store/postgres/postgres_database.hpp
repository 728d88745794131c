#pragma once
// The PostgreSQL backend (libpq): opened by store/open.cpp for postgresql:// and postgres:// URLs.

#include <memory>
#include <string>

#include "store/database.hpp"

namespace dfauth::store::postgres {

/// Connects with `pool_size` connections to the database `url` names (a libpq connection URI:
/// user, password, host, port, database and any libpq parameter such as ?sslmode=). Throws
/// std::invalid_argument for a malformed URL and StoreUnavailable when the server cannot be
/// reached or refuses the login; no message repeats the password.
std::unique_ptr<Database> OpenPostgresDatabase(const std::string& url, int pool_size);

}  // namespace dfauth::store::postgres
