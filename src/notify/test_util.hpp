#pragma once
// Helpers shared by the notify unit tests only.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "notify/notifier.hpp"

#include "store/testing.hpp"

namespace dfauth::notify::testing {

// A fresh directory per test, removed at the end, that can hold template files.
class TempDir : public store::testing::TempDir {
 public:
  void Write(const std::string& name, const std::string& text) const { std::ofstream(File(name)) << text; }
};

/// A Notifier that keeps what it is given (unit tests of the services that send messages).
class RecordingNotifier final : public notify::Notifier {
 public:
  void Enqueue(const notify::Message& message) override {
    std::lock_guard lock(mutex_);
    messages.push_back(message);
  }
  std::mutex mutex_;
  std::vector<notify::Message> messages;
};

inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dfauth::notify::testing
