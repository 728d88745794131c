#pragma once
// Wiring: settings → components → routes. The only place that knows every area.

#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "token/token_options.hpp"

namespace dfauth::store { class Database; }
namespace dfauth::identity { class BreachedFilter; }

namespace dfauth::app {

/// Loads and validates the configuration (file + environment); throws config::ConfigError.
config::Settings LoadConfiguration(const std::optional<std::string>& config_file);

/// Opens the store named by DATABASE_URL (a configuration error names DATABASE_URL).
std::unique_ptr<store::Database> OpenConfiguredStore(const config::Settings& settings);

/// Refuses (config::ConfigError naming DATABASE_URL, exit 2) a database whose schema is newer
/// than this build: an older binary must not write to tables it does not know.
void RequireKnownSchema(store::Database& store);

/// The PASSWORD_BREACHED_FILTER file mapped (null when the key is empty); a missing, truncated
/// or foreign file is a config::ConfigError naming the key (exit 2).
std::unique_ptr<identity::BreachedFilter> OpenBreachedFilter(const config::Settings& settings);

/// Fills settings.secret_key from the database, generating it on first start (with a warning).
void ResolveSecretKey(config::Settings& settings, store::Database& store);

/// The token settings (JWT_*, lifetimes, SECRET_KEY) of the configuration.
token::TokenOptions ToTokenOptions(const config::Settings& s);
/// Runs the HTTP server until SIGTERM/SIGINT; returns the process exit code.
int Serve(config::Settings settings);

}  // namespace dfauth::app
