#pragma once
// The SQLite schema as numbered migrations, compiled into the binary so `migrate` needs no
// files beside it. A migration is never edited once released: add the next number instead.

#include <span>

namespace dfauth::store::migrations {

struct Migration {
  int version;
  const char* name;
  const char* sql;  ///< one or more statements, run in one transaction
};

/// Every SQLite migration, in ascending version order (1, 2, …, no gaps).
std::span<const Migration> SqliteMigrations();

}  // namespace dfauth::store::migrations
