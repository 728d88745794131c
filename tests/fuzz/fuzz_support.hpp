#pragma once
// Helpers shared by the fuzz targets (tests/fuzz/*.cpp): a scratch directory of the process's own
// and a check that aborts (a crash libFuzzer reports, with the input kept) when a property fails.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

/// A directory of this process's own, created on first use, under DFAUTH_FUZZ_TMP, else
/// /dev/shm (memory: a database's fsyncs there cost nothing), else TMPDIR or /tmp. A target
/// that writes files keeps them there; they are removed at a normal exit (kept after a crash).
inline const std::string& ScratchDir() {
  // Never destroyed: the exit handler below runs after static destructors would have.
  static const std::string* const dir = new std::string([] {
    const char* tmp = std::getenv("DFAUTH_FUZZ_TMP");
    if (!(tmp && *tmp) && access("/dev/shm", W_OK) == 0) tmp = "/dev/shm";
    if (!(tmp && *tmp)) tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/dfauth-fuzz.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(ScratchDir(), ignored);
    });
    return pattern;
  }());
  return *dir;
}

/// Writes `bytes` to `path`, replacing it.
inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Require(out.good(), "cannot write a scratch file");
}

}  // namespace dfauth::fuzz
