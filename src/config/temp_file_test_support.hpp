#pragma once
// For the config tests only: a TOML file in a fresh temp path, removed at the end of the test.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace dfauth::config::test_support {

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("df-auth-config-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ".toml"))
                .string();
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace dfauth::config::test_support
