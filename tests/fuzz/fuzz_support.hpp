#pragma once
// Helpers shared by the fuzz targets (tests/fuzz/*.cpp): a scratch directory of the process's own
// and a check that aborts (a crash libFuzzer reports, with the input kept) when a property fails.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace dfauth::fuzz {

/// Aborts with `what` on stderr when `condition` is false.
inline void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
  }
}

/// A directory of this process's own under TMPDIR (or /tmp), created on first use and left
/// for the OS to clean: a target that writes files keeps them there.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/dfauth-fuzz.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    return pattern;
  }();
  return dir;
}

/// Writes `bytes` to `path`, replacing it.
inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Require(out.good(), "cannot write a scratch file");
}

}  // namespace dfauth::fuzz
