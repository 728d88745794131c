#pragma once
#include <memory>
#include <string>

#include "store/source.hpp"

namespace dfauth::store::postgres {

/// The PostgreSQL database `url` names, read in one READ ONLY, REPEATABLE READ transaction (one
/// snapshot for the whole import; nothing can be written), timestamps as UTC text. Throws
/// StoreUnavailable with libpq's reason (never the URL) when it cannot connect.
std::unique_ptr<Source> OpenPostgresSource(const std::string& url);

}  // namespace dfauth::store::postgres
