#pragma once
// Test support shared by the unit tests of every area that needs a real SQLite file: a fresh
// directory per test, removed at the end, and a migrated database in it. Header-only; never linked into the product.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/database.hpp"

namespace dfauth::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dfauth_test_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& Path() const { return path_; }
  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

/// A migrated SQLite database in the file `path` (another call on the same file is a second
/// process's view of it: a replica).
inline std::unique_ptr<Database> OpenSqliteFile(const std::string& path, int pool_size = 2) {
  auto db = OpenDatabase("sqlite://" + path, pool_size);
  db->Migrate();
  return db;
}

}  // namespace dfauth::store::testing
