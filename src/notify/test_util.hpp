#pragma once
// Helpers shared by the notify unit tests only.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace dfauth::notify::testing {

// A fresh directory per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dfauth_notify_XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Path() const { return path_; }
  std::string File(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(File(name)) << text; }

 private:
  std::string path_;
};

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dfauth::notify::testing
