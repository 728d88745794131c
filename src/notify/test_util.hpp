#pragma once
// Helpers shared by the notify unit tests only.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/testing.hpp"

namespace dfauth::notify::testing {

// A fresh directory per test, removed at the end, that can hold template files.
class TempDir : public store::testing::TempDir {
 public:
  void Write(const std::string& name, const std::string& text) const { std::ofstream(File(name)) << text; }
};

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dfauth::notify::testing
