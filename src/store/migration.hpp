#pragma once
// One numbered schema migration, as every backend lists its own (store/<backend>/migrations.hpp):
// compiled into the binary so `migrate` needs no files beside it, the same numbers and tables on
// every backend. A migration is never edited once released: add the next number instead.

namespace dfauth::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  ///< one or more statements, run in one transaction
};

}  // namespace dfauth::store
