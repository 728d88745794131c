#pragma once
// Internal to src/config: the one table of setting keys. Each descriptor names a key, points at
// its Settings member and carries what the loader, the validation, check-config and the example
// file need, so the key list is written once.

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/settings.hpp"

namespace dfauth::config {

using Member = std::variant<std::string Settings::*, bool Settings::*, int64_t Settings::*,
                            std::vector<std::string> Settings::*, Rate Settings::*,
                            std::map<std::string, std::string> Settings::*, JwtProfile Settings::*,
                            std::vector<AuthBackend> Settings::*, std::vector<DeviceType> Settings::*,
                            std::vector<IdentityField> Settings::*>;

struct KeyDescriptor;
/// A key-specific check; returns an error message, empty when the value is fine.
using Check = std::string (*)(const KeyDescriptor&, const Settings&);

struct KeyDescriptor {
  std::string_view name;  ///< the documented key, also DF_AUTH_<name>
  Member member;
  std::string_view doc;   ///< one line, for the example file and the reference
  bool secret = false;    ///< masked by FormatEffective when non-empty
  /// Allowed values (strings) or items (lists); an enum member's come from its names.
  std::span<const std::string_view> choices = {};
  int64_t min = std::numeric_limits<int64_t>::min();  ///< integers only
  int64_t max = std::numeric_limits<int64_t>::max();
  Check check = nullptr;
  /// When the default depends on the machine: the example file's value (for 4 cores) and the
  /// default in words (both files show it).
  std::string_view example = {};
  std::string_view default_text = {};
};

/// Keys whose feature this version does not have yet: accepted, type-checked, and ignored with a
/// warning when set. Shrink this list as features land.
// Empty since issues 3–5 landed; a key documented before its feature is built goes here.
inline constexpr std::array<std::string_view, 0> kNotYetImplementedKeys{};

/// All keys in documented order (interface.md §2, then §6, then METRICS_TOKEN, then §8, then WEBAUTHN_*).
std::span<const KeyDescriptor> Keys();

/// The descriptor of `name` (exact, upper case), or nullptr.
const KeyDescriptor* FindKey(std::string_view name);

/// Whether `name` is in kNotYetImplementedKeys.
bool IsNotYetImplemented(std::string_view name);

/// Parses `N/sec|second|s|min|minute|m|hour|h|day|d` or `off`; nullopt when malformed.
std::optional<Rate> ParseRate(std::string_view text);

/// The canonical text of a rate (`100/min`, `off`).
std::string FormatRate(const Rate& rate);

}  // namespace dfauth::config
