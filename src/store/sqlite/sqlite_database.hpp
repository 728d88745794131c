#pragma once
// The SQLite backend: one database file (or ":memory:") behind a Pool, and the stores on it.

#include <memory>
#include <string>

#include "store/database.hpp"

namespace dfauth::store::sqlite {

/// Opens `path` (a file, created if absent, or ":memory:") with up to `pool_size` reader
/// connections; throws StoreUnavailable when it cannot be opened.
std::unique_ptr<Database> OpenSqliteDatabase(const std::string& path, int pool_size);

}  // namespace dfauth::store::sqlite
