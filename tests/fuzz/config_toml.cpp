// The TOML configuration loader (src/config): the input is the file's text. A file that loads
// must give a check-config text (FormatEffective, "KEY = value" in TOML) that loads again to the
// same settings; a file that does not load must say so with ConfigError, nothing else.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace dfauth;
  static const std::string path = fuzz::ScratchDir() + "/df-auth.toml";
  static const std::string again_path = fuzz::ScratchDir() + "/effective.toml";
  static const std::map<std::string, std::string> no_env;
  fuzz::WriteFile(path, std::string_view(reinterpret_cast<const char*>(data), size));
  std::string effective;
  try {
    effective = config::FormatEffective(config::LoadSettings(path, no_env));
  } catch (const config::ConfigError&) {
    return 0;
  }
  fuzz::WriteFile(again_path, effective);
  std::string reloaded;
  try {
    reloaded = config::FormatEffective(config::LoadSettings(again_path, no_env));
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fuzz::Require(false, "the effective configuration does not load again");
  }
  fuzz::Require(reloaded == effective, "the effective configuration loads to other settings");
  return 0;
}
