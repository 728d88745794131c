#pragma once
// The PostgreSQL schema as numbered migrations (store/migration.hpp), the same numbers and tables
// as SQLite's, in PostgreSQL's types: BIGINT ids and Unix times, BOOLEAN flags.

#include <span>

#include "store/migration.hpp"

namespace dfauth::store::postgres {

/// Every PostgreSQL migration, in ascending version order (1, 2, …, no gaps).
std::span<const Migration> Migrations();

}  // namespace dfauth::store::postgres
