#pragma once
#include <memory>
#include <string>

#include "store/source.hpp"

namespace dfauth::store::sqlite {

/// The SQLite file at `path` opened read-only (nothing is ever written to it, not even a WAL
/// switch); throws StoreUnavailable when it is missing or not an SQLite database.
std::unique_ptr<Source> OpenSqliteSource(const std::string& path);

}  // namespace dfauth::store::sqlite
