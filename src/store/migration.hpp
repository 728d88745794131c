#pragma once
// One numbered schema migration, as every backend lists its own (store/<backend>/migrations.hpp):
// compiled into the binary so `migrate` needs no files beside it, the same numbers and tables on
// every backend. A migration is never edited once released: add the next number instead.

#include <algorithm>
#include <set>
#include <span>
#include <vector>

namespace dfauth::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;  ///< one or more statements, run in one transaction
};

/// The schema version of a database that has `applied`: the highest number N such that every
/// migration this build knows up to N is applied. A database missing a lower known migration
/// is not up to date, whatever higher numbers it has; a number no migration of this build has
/// (one reserved by a feature merged later) is no gap. Once every known migration is applied,
/// a higher applied number (a newer release's) is the version, so the caller can refuse it.
inline int AppliedWithoutGap(std::span<const Migration> known, const std::set<int>& applied) {
  std::vector<int> versions;
  for (const auto& m : known) versions.push_back(m.version);
  std::sort(versions.begin(), versions.end());
  int version = 0;
  for (int v : versions) {
    if (!applied.count(v)) return version;
    version = v;
  }
  return applied.empty() ? version : std::max(version, *applied.rbegin());
}

}  // namespace dfauth::store
