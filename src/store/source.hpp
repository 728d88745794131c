#pragma once
// A foreign SQL database opened read-only, for importers (Django's database): its tables, their
// columns, and the rows of a query as text, the same on every backend. PostgreSQL reads in one
// read-only REPEATABLE READ transaction (one snapshot); SQLite opens the file read-only.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dfauth::store {

/// One result row; values are the database's text form (PostgreSQL booleans "t"/"f", SQLite
/// 0/1), NULL as nullopt.
class SourceRow {
 public:
  explicit SourceRow(std::vector<std::optional<std::string>> values) : values_(std::move(values)) {}
  bool IsNull(int column) const { return !values_.at(column); }
  /// The text; "" for NULL.
  std::string Text(int column) const { return values_.at(column).value_or(""); }
  /// The integer; 0 for NULL or text that is not one.
  int64_t Int64(int column) const;
  /// True for 1, t, true (any case); false otherwise and for NULL.
  bool Bool(int column) const;

 private:
  std::vector<std::optional<std::string>> values_;
};

class Source {
 public:
  virtual ~Source() = default;
  /// The names of the ordinary tables, sorted.
  virtual std::vector<std::string> Tables() = 0;
  /// The column names of `table` (empty when there is no such table).
  virtual std::set<std::string> Columns(const std::string& table) = 0;
  /// Runs one SELECT (no parameters) and calls `row` for each row, in order. Throws
  /// StoreUnavailable when the query fails.
  virtual void Each(const std::string& sql, const std::function<void(const SourceRow&)>& row) = 0;
};

/// Opens `url` (a DATABASE_URL form) read-only. Throws std::invalid_argument for a malformed
/// URL and StoreUnavailable when it cannot be read; neither message repeats the URL.
std::unique_ptr<Source> OpenSource(const std::string& url);

}  // namespace dfauth::store
