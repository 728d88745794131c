#pragma once
// The SQLite schema as numbered migrations (store/migration.hpp).

#include <span>

#include "store/migration.hpp"

namespace dfauth::store::sqlite {

/// Every SQLite migration, in ascending version order (1, 2, …, no gaps).
std::span<const Migration> Migrations();

}  // namespace dfauth::store::sqlite
