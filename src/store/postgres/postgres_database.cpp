// Placeholder until the PostgreSQL backend lands (issue 12).
#include "store/postgres/postgres_database.hpp"

#include <stdexcept>

namespace dfauth::store::postgres {

std::unique_ptr<Database> OpenPostgresDatabase(const std::string&, int) {
  throw std::invalid_argument("PostgreSQL is not supported by this version");
}

}  // namespace dfauth::store::postgres
