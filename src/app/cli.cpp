#include "app/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/application.hpp"
#include "app/import_django.hpp"
#include "config/loader.hpp"
#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "guard/guard.hpp"
#include "identity/user_service.hpp"
#include "net/ip_net.hpp"
#include "notify/transport.hpp"
#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "store/database.hpp"
#include "token/keys.hpp"

namespace dfauth::app {
namespace {

constexpr int kConfigError = 2;

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Opens the configured store with its schema up to date (the CLI commands need it).
std::unique_ptr<store::Database> OpenMigratedStore(const config::Settings& settings) {
  auto store = OpenConfiguredStore(settings);
  RequireKnownSchema(*store);
  store->Migrate();
  return store;
}

void PrintUser(const store::User& u) {
  nlohmann::ordered_json out = {
      {"id", u.id}, {"username", u.username},
      {"email", u.email ? nlohmann::ordered_json(*u.email) : nlohmann::ordered_json(nullptr)},
      {"phone_number", u.phone_number ? nlohmann::ordered_json(*u.phone_number) : nlohmann::ordered_json(nullptr)},
      {"first_name", u.first_name}, {"last_name", u.last_name},
      {"is_active", u.is_active}, {"is_staff", u.is_staff}, {"is_superuser", u.is_superuser},
      {"two_fa_required", u.two_fa_required}, {"date_joined", u.date_joined},
      {"invited_by", u.invited_by ? nlohmann::ordered_json(*u.invited_by) : nlohmann::ordered_json(nullptr)},
      {"has_usable_password", !u.password_hash.empty()}};
  std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

store::User RequireUser(store::Database& store, int64_t id) {
  auto user = store.Users().FindUserById(id);
  if (!user) throw std::runtime_error("no user with id " + std::to_string(id));
  return *user;
}

}  // namespace

int Main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("df-auth"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");

  CLI::App app{"df-auth: an authentication server speaking django-df-auth's HTTP API"};
  app.require_subcommand(1);
  std::optional<std::string> config_file;
  app.add_option("--config", config_file, "TOML configuration file (default: ./df-auth.toml if present)");

  auto* serve = app.add_subcommand("serve", "Run the HTTP server (applies pending migrations first unless AUTO_MIGRATE=false)");
  auto* migrate = app.add_subcommand("migrate", "Create or upgrade the database schema (idempotent)");
  auto* check = app.add_subcommand("check-config", "Validate the configuration and print the effective settings (secrets masked)");

  auto* superuser = app.add_subcommand("createsuperuser", "Create an administrator account");
  std::string su_username, su_email;
  bool su_password_stdin = false;
  superuser->add_option("--username", su_username, "username")->required();
  superuser->add_option("--email", su_email, "email address");
  superuser->add_flag("--password-stdin", su_password_stdin,
                      "read the password from the first line of standard input (else the account has no usable password)");

  auto* users = app.add_subcommand("users", "Administer users");
  users->require_subcommand(1);
  auto* users_list = users->add_subcommand("list", "List users (id, username, email, phone, active)");
  int64_t list_offset = 0, list_limit = 100;
  users_list->add_option("--offset", list_offset, "skip this many users");
  users_list->add_option("--limit", list_limit, "show at most this many users");
  int64_t user_id = 0;
  auto* users_show = users->add_subcommand("show", "Show one user as JSON");
  auto* users_activate = users->add_subcommand("activate", "Activate a user");
  auto* users_deactivate = users->add_subcommand("deactivate", "Deactivate a user and revoke every token issued to it");
  auto* users_delete = users->add_subcommand("delete", "Delete a user and everything that belongs to it");
  auto* users_revoke = users->add_subcommand("revoke-tokens", "Revoke every token issued to a user so far (log out everywhere)");
  for (auto* sub : {users_show, users_activate, users_deactivate, users_delete, users_revoke})
    sub->add_option("id", user_id, "user id")->required();
  auto* users_2fa = users->add_subcommand("set-2fa", "Require 2FA for a user (on; needs a confirmed OTP device) or not (off)");
  std::string two_fa_state;
  users_2fa->add_option("id", user_id, "user id")->required();
  users_2fa->add_option("state", two_fa_state, "on or off")->required()->check(CLI::IsMember({"on", "off"}));

  auto* keys = app.add_subcommand("keys", "Signing keys for RS256/ES256/EdDSA (served at /.well-known/jwks.json)");
  keys->require_subcommand(1);
  std::string key_alg;
  auto* keys_generate = keys->add_subcommand("generate", "Generate a signing key if none exists for the algorithm");
  auto* keys_rotate = keys->add_subcommand("rotate", "Make a new key the signer; older keys keep verifying until their tokens expire");
  auto* keys_list = keys->add_subcommand("list", "List signing keys (kid, algorithm, created, retired)");
  for (auto* sub : {keys_generate, keys_rotate})
    sub->add_option("--alg", key_alg, "RS256, ES256 or EdDSA (default: JWT_ALGORITHM)");

  auto* import_cmd = app.add_subcommand(
      "import-django", "Import users (ids, password hashes, 2FA flags, invitations), OTP devices and social links from a django-df-auth database into an empty df-auth database");
  std::string import_from, import_user_table;
  import_cmd->add_option("--from", import_from, "the Django database: sqlite:///path/to/db.sqlite3 or postgresql://user:pass@host:port/db")->required();
  import_cmd->add_option("--user-table", import_user_table,
                         "the user model's table (default: the one table with username, password and email columns)");

  auto* guard_cmd = app.add_subcommand("guard", "IP bans of the guard (honeypots, administration)");
  guard_cmd->require_subcommand(1);
  auto* guard_list = guard_cmd->add_subcommand("list", "List the bans in force (ip, until, reason)");
  std::string guard_ip;
  std::optional<int64_t> guard_for;
  auto* guard_block = guard_cmd->add_subcommand("block", "Ban an address or CIDR (default: HONEYPOT_BAN_DURATION seconds)");
  guard_block->add_option("ip", guard_ip, "IPv4/IPv6 address or CIDR")->required();
  guard_block->add_option("--for", guard_for, "seconds the ban lasts")->check(CLI::PositiveNumber);
  auto* guard_unblock = guard_cmd->add_subcommand("unblock", "Lift the ban of an address or CIDR");
  guard_unblock->add_option("ip", guard_ip, "IPv4/IPv6 address or CIDR, as banned")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kConfigError;
  }

  try {
    config::Settings settings = LoadConfiguration(config_file);
    if (*serve) return Serve(std::move(settings));
    if (*check) {
      for (const auto& warning : settings.warnings) spdlog::warn("{}", warning);
      notify::CheckDeliverySettings(settings);  // backends and TEMPLATES_DIR, as serve would
      std::cout << config::FormatEffective(settings);
      return 0;
    }
    auto store = OpenMigratedStore(settings);
    if (*migrate) {
      std::cout << "schema version " << store->SchemaVersion() << "\n";
      return 0;
    }
    if (*import_cmd) {
      ImportCounts n = ImportDjango(settings, *store, import_from, import_user_table);
      std::cout << "imported " << n.users << " users (" << n.two_fa << " with 2FA required), " << n.devices
                << " OTP devices, " << n.social_links << " social links";
      if (n.devices_skipped) std::cout << "; skipped " << n.devices_skipped
                                      << " devices df-auth cannot use (TOTP other than 6 digits / 30 s, email without an address)";
      std::cout << "\n";
      return 0;
    }
    if (*superuser) {
      store::User user;
      user.username = su_username;
      if (!su_email.empty()) user.email = su_email;
      user.is_staff = user.is_superuser = true;
      user.date_joined = Now();
      if (su_password_stdin) {
        std::string password;
        std::getline(std::cin, password);
        if (password.empty()) throw std::runtime_error("empty password on standard input");
        user.password_hash = crypto::HashPassword(
            password, {static_cast<uint64_t>(settings.argon2_memory_kib), static_cast<uint32_t>(settings.argon2_time_cost)});
      }
      try {
        user.id = store->Users().CreateUser(user);
      } catch (const store::DuplicateError& e) {
        std::cerr << "a user with this " << e.Field() << " already exists\n";
        return 1;
      }
      std::cout << "created superuser " << user.username << " (id " << user.id << ")\n";
      return 0;
    }
    if (*users_list) {
      for (const auto& u : store->Users().ListUsers(list_offset, list_limit))
        std::cout << u.id << "\t" << u.username << "\t" << u.email.value_or("-") << "\t"
                  << u.phone_number.value_or("-") << "\t" << (u.is_active ? "active" : "inactive") << "\n";
      return 0;
    }
    if (*users_show) {
      PrintUser(RequireUser(*store, user_id));
      return 0;
    }
    if (*users_activate || *users_deactivate) {
      identity::UserService service(settings, *store);
      RequireUser(*store, user_id);
      service.SetActive(user_id, static_cast<bool>(*users_activate));
      std::cout << "user " << user_id << (*users_activate ? " activated" : " deactivated") << "\n";
      return 0;
    }
    if (*users_2fa) {
      identity::UserService service(settings, *store, &store->Devices());
      bool on = service.SetTwoFactorRequired(RequireUser(*store, user_id), two_fa_state == "on");
      std::cout << "2FA " << (on ? "required" : "not required") << " for user " << user_id << "\n";
      return 0;
    }
    if (*users_revoke) {
      RequireUser(*store, user_id);
      store->Users().RevokeUserTokens(user_id, Now() + 1);  // tokens issued from now on get iat >= this
      std::cout << "tokens of user " << user_id << " revoked\n";
      return 0;
    }
    if (*users_delete) {
      if (!store->Users().DeleteUser(user_id)) throw std::runtime_error("no user with id " + std::to_string(user_id));
      std::cout << "user " << user_id << " deleted\n";
      return 0;
    }
    if (*guard_cmd) {
      guard::Guard bans(settings, store->Guard());
      if (*guard_list) {
        for (const auto& ban : bans.ActiveBans())
          std::cout << ban.ip << "\tuntil " << ban.until << "\t" << ban.reason << "\n";
        return 0;
      }
      if (!net::IpNet::Parse(guard_ip)) {
        std::cerr << "guard: not an IP address or CIDR: " << guard_ip << "\n";
        return kConfigError;
      }
      std::string canonical = net::IpNet::Parse(guard_ip)->Text();
      if (*guard_unblock) {
        if (!bans.Unban(guard_ip)) {
          std::cerr << "guard: " << canonical << " is not banned\n";
          return 1;
        }
        std::cout << "unblocked " << canonical << "\n";
        return 0;
      }
      const int64_t seconds = guard_for.value_or(settings.honeypot_ban_duration);
      if (!bans.Ban(guard_ip, seconds, "cli")) {
        std::cerr << "guard: " << canonical << " is (or contains) a TRUSTED_PROXIES address; not banned\n";
        return 1;
      }
      std::cout << "blocked " << canonical << " for " << seconds << " s\n";
      return 0;
    }
    if (*keys) {
      std::string alg_name = key_alg.empty() ? settings.jwt_algorithm : key_alg;
      if (*keys_list) {
        for (const auto& k : token::ListKeys(*store))
          std::cout << k.kid << "\t" << k.alg << "\tcreated " << k.created_at << "\t"
                    << (k.retired_at ? "retired " + std::to_string(*k.retired_at) : std::string("active")) << "\n";
        return 0;
      }
      auto alg = token::ParseAlgorithm(alg_name);
      if (!alg || *alg == token::Algorithm::kHS256) {
        std::cerr << "keys: --alg must be RS256, ES256 or EdDSA (got " << alg_name << ")\n";
        return kConfigError;
      }
      std::string kid = *keys_rotate ? token::RotateKeys(*store, *alg, Now())
                                     : token::GenerateAndStoreKey(*store, *alg);
      std::cout << kid << "\n";
      return 0;
    }
  } catch (const config::ConfigError& e) {
    std::cerr << "configuration error: " << e.what() << "\n";
    return kConfigError;
  } catch (const store::StoreUnavailable& e) {
    std::cerr << "database unavailable: " << e.Detail() << "\n";
    return 1;
  } catch (const ApiError& e) {
    std::cerr << "error: " << e.Entries().front().message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}

}  // namespace dfauth::app
