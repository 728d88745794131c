#pragma once
// The PostgreSQL schema as numbered migrations, the same numbers and tables as SQLite's
// (sqlite_migrations.hpp holds the Migration type), in PostgreSQL's types: BIGINT ids and Unix
// times, BOOLEAN flags. A migration is never edited once released: add the next number instead.

#include <span>

#include "store/migrations/sqlite_migrations.hpp"

namespace dfauth::store::migrations {

/// Every PostgreSQL migration, in ascending version order (1, 2, …, no gaps).
std::span<const Migration> PostgresMigrations();

}  // namespace dfauth::store::migrations
