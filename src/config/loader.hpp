#pragma once
// Loading the settings: TOML file + DF_AUTH_* environment over the defaults, validated at once so
// that a bad configuration stops the server at start (exit 2) instead of failing a request later.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "config/settings.hpp"

namespace dfauth::config {

/// A configuration that cannot be used; `key` is the documented key name, or "config" for the
/// file itself. what() starts with the key.
struct ConfigError : std::runtime_error {
  /// what() becomes "<key>: <message>".
  ConfigError(std::string key, const std::string& message);
  std::string key;
};

/// Builds the settings from defaults, then `config_file` (TOML; must exist when given), then
/// `env` (only names starting with DF_AUTH_ are looked at). Throws ConfigError naming the key.
Settings LoadSettings(const std::optional<std::string>& config_file,
                      const std::map<std::string, std::string>& env);

/// The process environment as a map (for LoadSettings).
std::map<std::string, std::string> ProcessEnvironment();

// The settings as text (render.cpp).

/// One `KEY = value` line per key in documented order, secrets masked (for check-config).
std::string FormatEffective(const Settings& settings);

/// The text of configs/df-auth.example.toml: every key commented out with its default and a
/// one-line explanation.
std::string ExampleToml();

/// The text of docs/configuration.md (`df-auth config-reference`): a Markdown table of every key
/// with its environment variable, type or allowed values, default, whether it is secret, and its
/// one-line description.
std::string ConfigReference();

}  // namespace dfauth::config
