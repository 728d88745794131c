// The main of every unit-test binary: GoogleTest's, after one step on the main thread.
//
// spdlog's registry is a function-local static inside libspdlog, which is not built with
// ThreadSanitizer. When the first log call of a process comes from two threads at once, the
// library's inlined initialisation check is invisible to TSan and it reports a race on the
// registry that cannot happen. The server creates the registry in main before any thread starts
// (app/ sets up logging first); tests do the same here.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

int main(int argc, char** argv) {
  spdlog::default_logger_raw();
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
