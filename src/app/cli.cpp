#include "app/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/application.hpp"
#include "app/import_django.hpp"
#include "audit/audit.hpp"
#include "config/loader.hpp"
#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "guard/guard.hpp"
#include "identity/breached_filter.hpp"
#include "identity/user_service.hpp"
#include "net/ip_net.hpp"
#include "notify/transport.hpp"
#include "store/device_store.hpp"
#include "store/guard_store.hpp"
#include "store/database.hpp"
#include "text/timestamp.hpp"
#include "token/keys.hpp"
#include "token/session_service.hpp"

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

/// What the chosen subcommand does, once the configuration is loaded.
using Action = std::function<int(config::Settings&)>;

/// Registers `sub`'s action: CLI11 calls the callback when `sub` was given on the command line.
void OnRun(CLI::App* sub, Action& chosen, Action action) {
  sub->callback([&chosen, action = std::move(action)] { chosen = action; });
}

int RunCheckConfig(config::Settings& settings) {
  for (const auto& warning : settings.warnings) spdlog::warn("{}", warning);
  notify::CheckDeliverySettings(settings);  // backends and TEMPLATES_DIR, as serve would
  OpenBreachedFilter(settings);             // PASSWORD_BREACHED_FILTER's header, as serve would
  std::cout << config::FormatEffective(settings);
  return 0;
}

int RunMigrate(config::Settings& settings) {
  auto store = OpenMigratedStore(settings);
  std::cout << "schema version " << store->SchemaVersion() << "\n";
  return 0;
}

void AddServerCommands(CLI::App& app, Action& chosen) {
  OnRun(app.add_subcommand("serve", "Run the HTTP server (applies pending migrations first unless AUTO_MIGRATE=false)"),
        chosen, [](config::Settings& settings) { return Serve(std::move(settings)); });
  OnRun(app.add_subcommand("migrate", "Create or upgrade the database schema (idempotent)"), chosen, RunMigrate);
  OnRun(app.add_subcommand("check-config", "Validate the configuration and print the effective settings (secrets masked)"),
        chosen, RunCheckConfig);
}

/// `config-reference`: reads no configuration, so it works whatever the environment holds.
void AddConfigReference(CLI::App& app, std::function<int()>& standalone) {
  app.add_subcommand("config-reference",
                     "Print the configuration reference (docs/configuration.md): every key, its "
                     "environment variable, type, default and meaning, as Markdown")
      ->callback([&standalone] {
        standalone = [] {
          std::cout << config::ConfigReference();
          return 0;
        };
      });
}

struct SuperuserOptions {
  std::string username, email;
  bool password_stdin = false;
};

int RunCreateSuperuser(config::Settings& settings, const SuperuserOptions& o) {
  auto store = OpenMigratedStore(settings);
  identity::FieldValues input{{"username", o.username}};
  if (!o.email.empty()) input["email"] = o.email;
  if (o.password_stdin) {
    std::string password;
    std::getline(std::cin, password);
    if (password.empty()) throw std::runtime_error("empty password on standard input");
    input["password"] = password;
  }
  const auto breached = OpenBreachedFilter(settings);
  identity::UserService users(settings, *store);
  users.SetBreachedFilter(breached.get());
  const store::User user = users.CreateSuperuser(input);
  std::cout << "created superuser " << user.username << " (id " << user.id << ")\n";
  return 0;
}

void AddCreateSuperuser(CLI::App& app, Action& chosen) {
  auto o = std::make_shared<SuperuserOptions>();
  auto* sub = app.add_subcommand("createsuperuser", "Create an administrator account");
  sub->add_option("--username", o->username, "username")->required();
  sub->add_option("--email", o->email, "email address");
  sub->add_flag("--password-stdin", o->password_stdin,
                "read the password from the first line of standard input (else the account has no usable password)");
  OnRun(sub, chosen, [o](config::Settings& s) { return RunCreateSuperuser(s, *o); });
}

/// `users <command> ID`: one action on one user, with the store open.
void AddUserCommand(CLI::App* users, Action& chosen, const char* name, const char* help,
                    std::function<void(config::Settings&, store::Database&, int64_t)> run) {
  auto id = std::make_shared<int64_t>(0);
  auto* sub = users->add_subcommand(name, help);
  sub->add_option("id", *id, "user id")->required();
  OnRun(sub, chosen, [id, run = std::move(run)](config::Settings& settings) {
    auto store = OpenMigratedStore(settings);
    run(settings, *store, *id);
    return 0;
  });
}

void SetActive(config::Settings& settings, store::Database& store, int64_t id, bool active) {
  RequireUser(store, id);
  identity::UserService(settings, store).SetActive(id, active);
  std::cout << "user " << id << (active ? " activated" : " deactivated") << "\n";
}

void AddUsersList(CLI::App* users, Action& chosen) {
  auto range = std::make_shared<std::pair<int64_t, int64_t>>(0, 100);
  auto* sub = users->add_subcommand("list", "List users (id, username, email, phone, active)");
  sub->add_option("--offset", range->first, "skip this many users");
  sub->add_option("--limit", range->second, "show at most this many users");
  OnRun(sub, chosen, [range](config::Settings& settings) {
    auto store = OpenMigratedStore(settings);
    for (const auto& u : store->Users().ListUsers(range->first, range->second))
      std::cout << u.id << "\t" << u.username << "\t" << u.email.value_or("-") << "\t"
                << u.phone_number.value_or("-") << "\t" << (u.is_active ? "active" : "inactive") << "\n";
    return 0;
  });
}

void AddUsersSet2fa(CLI::App* users, Action& chosen) {
  auto o = std::make_shared<std::pair<int64_t, std::string>>(0, "");
  auto* sub = users->add_subcommand("set-2fa", "Require 2FA for a user (on; needs a confirmed OTP device) or not (off)");
  sub->add_option("id", o->first, "user id")->required();
  sub->add_option("state", o->second, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  OnRun(sub, chosen, [o](config::Settings& settings) {
    auto store = OpenMigratedStore(settings);
    identity::UserService service(settings, *store, &store->Devices());
    bool on = service.SetTwoFactorRequired(RequireUser(*store, o->first), o->second == "on");
    std::cout << "2FA " << (on ? "required" : "not required") << " for user " << o->first << "\n";
    return 0;
  });
}

/// `users set-staff ID on|off`: the admin API's permission, through the function the API's
/// audit trail knows (UserService::SetStaff).
void AddUsersSetStaff(CLI::App* users, Action& chosen) {
  auto o = std::make_shared<std::pair<int64_t, std::string>>(0, "");
  auto* sub = users->add_subcommand("set-staff", "Grant (on) or withdraw (off) staff status: access to the admin API");
  sub->add_option("id", o->first, "user id")->required();
  sub->add_option("state", o->second, "on or off")->required()->check(CLI::IsMember({"on", "off"}));
  OnRun(sub, chosen, [o](config::Settings& settings) {
    auto store = OpenMigratedStore(settings);
    RequireUser(*store, o->first);
    identity::UserService(settings, *store).SetStaff(o->first, o->second == "on");
    std::cout << "user " << o->first << (o->second == "on" ? " is staff" : " is not staff") << "\n";
    return 0;
  });
}

struct AuditOptions {
  std::optional<int64_t> user;
  std::string since;
};

/// `audit list [--user ID] [--since T]`: newest first, one audit::FormatLine per entry.
int RunAuditList(config::Settings& settings, const AuditOptions& o) {
  store::AuditFilter filter;
  filter.user_id = o.user;
  if (!o.since.empty()) {
    filter.since = text::ParseUtc(o.since);
    if (!filter.since) {
      std::cerr << "audit: --since must be ISO 8601 UTC (2026-12-07T05:30:00Z) or Unix seconds (got " << o.since << ")\n";
      return kConfigError;
    }
  }
  auto store = OpenMigratedStore(settings);
  constexpr int64_t kBatch = 500;
  filter.limit = kBatch;
  for (filter.offset = 0;; filter.offset += kBatch) {
    store::AuditPage page = store->Audit().List(filter);
    for (const auto& e : page.events) std::cout << audit::FormatLine(e) << "\n";
    if (static_cast<int64_t>(page.events.size()) < kBatch) break;
  }
  return 0;
}

void AddAuditCommands(CLI::App& app, Action& chosen) {
  auto* audit_cmd = app.add_subcommand("audit", "The audit log (sign-ins, security changes, admin actions)");
  audit_cmd->require_subcommand(1);
  auto o = std::make_shared<AuditOptions>();
  auto* list = audit_cmd->add_subcommand(
      "list", "List entries newest first: time, event, outcome, method, user=, actor=, ip=, detail (tab-separated)");
  list->add_option("--user", o->user, "only entries about this user id");
  list->add_option("--since", o->since, "only entries at or after this time (ISO 8601 UTC or Unix seconds)");
  OnRun(list, chosen, [o](config::Settings& s) { return RunAuditList(s, *o); });
}

struct SessionsOptions {
  int64_t id = 0;
  std::string revoke;
  bool revoke_all = false;
};

/// `users sessions ID [--revoke SID | --revoke-all]`: what GET sessions/ lists (one session a
/// line: id, created, last used, method, ip, user agent), or the revocation DELETE
/// sessions/{id}/ and POST sessions/revoke-others/ make, through the same SessionService.
int RunUsersSessions(config::Settings& settings, const SessionsOptions& o) {
  auto store = OpenMigratedStore(settings);
  RequireUser(*store, o.id);
  token::SessionService sessions(ToTokenOptions(settings), *store, {});
  if (o.revoke_all) {
    std::cout << "revoked " << sessions.RevokeOthers(o.id, "") << " sessions of user " << o.id << "\n";
    return 0;
  }
  if (!o.revoke.empty()) {
    if (!sessions.Revoke(o.id, o.revoke))
      throw std::runtime_error("user " + std::to_string(o.id) + " has no live session " + o.revoke);
    std::cout << "session " << o.revoke << " of user " << o.id << " revoked\n";
    return 0;
  }
  constexpr int64_t kBatch = 500;
  for (int64_t offset = 0;; offset += kBatch) {
    store::SessionPage page = sessions.List(o.id, kBatch, offset);
    for (const auto& s : page.sessions)
      std::cout << s.id << "\t" << s.created_at << "\t" << s.last_used_at << "\t" << s.method << "\t"
                << (s.ip.empty() ? "-" : s.ip) << "\t" << (s.user_agent.empty() ? "-" : s.user_agent) << "\n";
    if (static_cast<int64_t>(page.sessions.size()) < kBatch) break;
  }
  return 0;
}

void AddUsersSessions(CLI::App* users, Action& chosen) {
  auto o = std::make_shared<SessionsOptions>();
  auto* sub = users->add_subcommand(
      "sessions", "List a user's live sessions (id, created, last used, method, ip, user agent), or revoke them");
  sub->add_option("id", o->id, "user id")->required();
  auto* one = sub->add_option("--revoke", o->revoke, "revoke this session (its tokens are refused at once)");
  auto* all = sub->add_flag("--revoke-all", o->revoke_all, "revoke every session of the user");
  one->excludes(all);
  OnRun(sub, chosen, [o](config::Settings& s) { return RunUsersSessions(s, *o); });
}

void AddUsersCommands(CLI::App& app, Action& chosen) {
  auto* users = app.add_subcommand("users", "Administer users");
  users->require_subcommand(1);
  AddUsersList(users, chosen);
  AddUserCommand(users, chosen, "show", "Show one user as JSON",
                 [](config::Settings&, store::Database& store, int64_t id) { PrintUser(RequireUser(store, id)); });
  AddUserCommand(users, chosen, "activate", "Activate a user",
                 [](config::Settings& s, store::Database& store, int64_t id) { SetActive(s, store, id, true); });
  AddUserCommand(users, chosen, "deactivate", "Deactivate a user and revoke every token issued to it",
                 [](config::Settings& s, store::Database& store, int64_t id) { SetActive(s, store, id, false); });
  AddUserCommand(users, chosen, "delete", "Delete a user and everything that belongs to it",
                 [](config::Settings&, store::Database& store, int64_t id) {
                   if (!store.Users().DeleteUser(id)) throw std::runtime_error("no user with id " + std::to_string(id));
                   std::cout << "user " << id << " deleted\n";
                 });
  AddUserCommand(users, chosen, "revoke-tokens", "Revoke every token issued to a user so far (log out everywhere)",
                 [](config::Settings& s, store::Database& store, int64_t id) {
                   RequireUser(store, id);
                   identity::UserService(s, store).RevokeTokens(id);
                   std::cout << "tokens of user " << id << " revoked\n";
                 });
  AddUsersSet2fa(users, chosen);
  AddUsersSetStaff(users, chosen);
  AddUsersSessions(users, chosen);
}

int RunKeys(config::Settings& settings, const std::string& requested_alg, bool rotate) {
  auto store = OpenMigratedStore(settings);
  const std::string alg_name = requested_alg.empty() ? settings.jwt_algorithm : requested_alg;
  auto alg = token::ParseAlgorithm(alg_name);
  if (!alg || *alg == token::Algorithm::kHS256) {
    std::cerr << "keys: --alg must be RS256, ES256 or EdDSA (got " << alg_name << ")\n";
    return kConfigError;
  }
  if (rotate) {
    std::cout << token::RotateKeys(*store, *alg, Now()) << "\n";
    return 0;
  }
  bool generated = false;
  std::cout << token::EnsureKey(*store, *alg, generated, Now()) << "\n";
  if (!generated) std::cerr << "keys: an active " << alg_name << " key exists; nothing generated (rotate makes a new one)\n";
  return 0;
}

void AddKeysCommands(CLI::App& app, Action& chosen) {
  auto* keys = app.add_subcommand("keys", "Signing keys for RS256/ES256/EdDSA (served at /.well-known/jwks.json)");
  keys->require_subcommand(1);
  auto alg = std::make_shared<std::string>();
  auto* generate = keys->add_subcommand("generate", "Generate a signing key if none exists for the algorithm");
  auto* rotate = keys->add_subcommand("rotate", "Make a new key the signer; older keys keep verifying until their tokens expire");
  for (auto* sub : {generate, rotate}) sub->add_option("--alg", *alg, "RS256, ES256 or EdDSA (default: JWT_ALGORITHM)");
  OnRun(generate, chosen, [alg](config::Settings& s) { return RunKeys(s, *alg, false); });
  OnRun(rotate, chosen, [alg](config::Settings& s) { return RunKeys(s, *alg, true); });
  OnRun(keys->add_subcommand("list", "List signing keys (kid, algorithm, created, retired)"), chosen,
        [](config::Settings& settings) {
          auto store = OpenMigratedStore(settings);
          for (const auto& k : token::ListKeys(*store))
            std::cout << k.kid << "\t" << k.alg << "\tcreated " << k.created_at << "\t"
                      << (k.retired_at ? "retired " + std::to_string(*k.retired_at) : std::string("active")) << "\n";
          return 0;
        });
}

void AddImportDjango(CLI::App& app, Action& chosen) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();  // --from, --user-table
  auto* sub = app.add_subcommand(
      "import-django", "Import users (ids, password hashes, 2FA flags, invitations), OTP devices and social links from a django-df-auth database into an empty df-auth database");
  sub->add_option("--from", o->first, "the Django database: sqlite:///path/to/db.sqlite3 or postgresql://user:pass@host:port/db")->required();
  sub->add_option("--user-table", o->second,
                  "the user model's table (default: the one table with username, password and email columns)");
  OnRun(sub, chosen, [o](config::Settings& settings) {
    auto store = OpenMigratedStore(settings);
    // Backup codes are stored keyed-hashed with SECRET_KEY: without one configured, the key the
    // server generates (or already generated) in this database, not an empty one.
    ResolveSecretKey(settings, *store);
    const auto breached = OpenBreachedFilter(settings);
    ImportCounts n = ImportDjango(settings, *store, o->first, o->second, breached.get());
    std::cout << "imported " << n.users << " users (" << n.two_fa << " with 2FA required), " << n.devices
              << " OTP devices, " << n.social_links << " social links";
    if (n.devices_skipped) std::cout << "; skipped " << n.devices_skipped
                                    << " devices df-auth cannot use (TOTP other than 6 digits / 30 s, email without an address)";
    if (breached)
      std::cout << "; breached passwords: " << n.passwords_breached << " of " << n.passwords_checked
                << " unsalted SHA-1 hashes are on PASSWORD_BREACHED_FILTER (imported anyway); the other "
                << n.users - n.passwords_checked << " are salted and checked at each user's first sign-in";
    std::cout << "\n";
    return 0;
  });
}

/// `guard block|unblock IP`: the address checked and canonicalised first (exit 2 when it is none).
int RunGuardChange(config::Settings& settings, const std::string& ip, std::optional<int64_t> seconds, bool block) {
  auto parsed = net::IpNet::Parse(ip);
  if (!parsed) {
    std::cerr << "guard: not an IP address or CIDR: " << ip << "\n";
    return kConfigError;
  }
  const std::string canonical = parsed->Text();
  auto store = OpenMigratedStore(settings);
  guard::Guard bans(settings, store->Guard());
  if (!block) {
    if (!bans.Unban(ip)) {
      std::cerr << "guard: " << canonical << " is not banned\n";
      return 1;
    }
    std::cout << "unblocked " << canonical << "\n";
    return 0;
  }
  const int64_t duration = seconds.value_or(settings.honeypot_ban_duration);
  if (!bans.Ban(ip, duration, "cli")) {
    std::cerr << "guard: " << canonical << " is (or contains) a TRUSTED_PROXIES address; not banned\n";
    return 1;
  }
  std::cout << "blocked " << canonical << " for " << duration << " s\n";
  return 0;
}

void AddGuardCommands(CLI::App& app, Action& chosen) {
  auto* guard_cmd = app.add_subcommand("guard", "IP bans of the guard (honeypots, administration)");
  guard_cmd->require_subcommand(1);
  OnRun(guard_cmd->add_subcommand("list", "List the bans in force (ip, until, reason)"), chosen,
        [](config::Settings& settings) {
          auto store = OpenMigratedStore(settings);
          for (const auto& ban : guard::Guard(settings, store->Guard()).ActiveBans())
            std::cout << ban.ip << "\tuntil " << ban.until << "\t" << ban.reason << "\n";
          return 0;
        });
  auto ip = std::make_shared<std::string>();
  auto seconds = std::make_shared<std::optional<int64_t>>();
  auto* block = guard_cmd->add_subcommand("block", "Ban an address or CIDR (default: HONEYPOT_BAN_DURATION seconds)");
  block->add_option("ip", *ip, "IPv4/IPv6 address or CIDR")->required();
  block->add_option("--for", *seconds, "seconds the ban lasts")->check(CLI::PositiveNumber);
  OnRun(block, chosen, [ip, seconds](config::Settings& s) { return RunGuardChange(s, *ip, *seconds, true); });
  auto* unblock = guard_cmd->add_subcommand("unblock", "Lift the ban of an address or CIDR");
  unblock->add_option("ip", *ip, "IPv4/IPv6 address or CIDR, as banned")->required();
  OnRun(unblock, chosen, [ip](config::Settings& s) { return RunGuardChange(s, *ip, std::nullopt, false); });
}

struct BuildFilterArgs {
  std::string from, out, format = "auto";
  double fp = 1e-6;
};

/// `passwords build-filter`: reads no configuration. Progress goes to stderr when it is a
/// terminal (a log or pipe gets the summary line only).
int RunBuildFilter(const BuildFilterArgs& a) {
  identity::BuildFilterOptions options;
  options.fp_rate = a.fp;
  options.format = a.format == "hibp"    ? identity::BreachedListFormat::kHibp
                   : a.format == "plain" ? identity::BreachedListFormat::kPlain
                                         : identity::BreachedListFormat::kAuto;
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  if (terminal)
    options.progress = [](int pass, uint64_t done, uint64_t total) {
      const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
      std::fprintf(stderr, "\r%s %3d%% (%llu MiB of %llu MiB)", pass == 1 ? "counting " : "inserting", percent,
                   static_cast<unsigned long long>(done >> 20), static_cast<unsigned long long>(total >> 20));
      if (pass == 2 && done == total) std::fputc('\n', stderr);
    };
  const auto start = std::chrono::steady_clock::now();
  identity::BuildFilterResult r;
  try {
    r = identity::BuildBreachedFilter(a.from, a.out, options);
  } catch (const std::exception& e) {
    if (terminal) std::fputc('\n', stderr);
    std::cerr << "passwords build-filter: " << e.what() << "\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "wrote " << a.out << ": " << r.items << " "
            << (r.format == identity::BreachedListFormat::kHibp ? "SHA-1 hashes (HIBP)" : "passwords") << ", "
            << r.shape.bits << " bits, " << r.shape.hashes << " hashes, " << r.file_bytes << " bytes, fp "
            << a.fp << ", " << seconds << " s\n";
  return 0;
}

/// `passwords build-filter`: standalone like config-reference (no configuration, no database).
void AddPasswordsCommands(CLI::App& app, std::function<int()>& standalone) {
  auto* passwords = app.add_subcommand("passwords", "Breached-password filter (PASSWORD_BREACHED_FILTER)");
  passwords->require_subcommand(1);
  auto a = std::make_shared<BuildFilterArgs>();
  auto* build = passwords->add_subcommand(
      "build-filter", "Build a Bloom filter from Have I Been Pwned's SHA-1 list (HASH:COUNT lines) or a plain password list");
  build->add_option("--from", a->from, "the list: HIBP's pwned-passwords-sha1 file, or one password a line")
      ->required()->check(CLI::ExistingFile);
  build->add_option("--out", a->out, "the filter file to write (through a temporary file renamed over it)")->required();
  build->add_option("--fp", a->fp, "false-positive rate (default 1e-6)")->check(CLI::Range(1e-12, 0.5));
  build->add_option("--format", a->format, "auto (default: HIBP when the first line is 40 hex digits), hibp or plain")
      ->check(CLI::IsMember({"auto", "hibp", "plain"}));
  build->callback([&standalone, a] { standalone = [a] { return RunBuildFilter(*a); }; });
}

/// Runs the action, turning each kind of failure into its exit code and one line on stderr.
int RunReportingErrors(const Action& action, const std::optional<std::string>& config_file) {
  try {
    config::Settings settings = LoadConfiguration(config_file);
    return action(settings);
  } catch (const config::ConfigError& e) {
    std::cerr << "configuration error: " << e.what() << "\n";
    return kConfigError;
  } catch (const store::StoreUnavailable& e) {
    std::cerr << "database unavailable: " << e.Detail() << "\n";
    return 1;
  } catch (const ApiError& e) {
    for (const ErrorEntry& entry : e.Entries())
      std::cerr << "error: " << (entry.field ? *entry.field + ": " : "") << entry.message << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int Main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_logger_mt("df-auth"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");

  CLI::App app{"df-auth: an authentication server speaking django-df-auth's HTTP API"};
  app.require_subcommand(1);
  std::optional<std::string> config_file;
  app.add_option("--config", config_file, "TOML configuration file (default: ./df-auth.toml if present)");
  // `df-auth serve --config FILE` (interface.md §1) as well as `df-auth --config FILE serve`.
  app.fallthrough();
  Action chosen;
  std::function<int()> standalone;  // a command that needs no configuration
  AddServerCommands(app, chosen);
  AddConfigReference(app, standalone);
  AddPasswordsCommands(app, standalone);
  AddCreateSuperuser(app, chosen);
  AddUsersCommands(app, chosen);
  AddKeysCommands(app, chosen);
  AddImportDjango(app, chosen);
  AddGuardCommands(app, chosen);
  AddAuditCommands(app, chosen);
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
  if (standalone) return standalone();
  if (!chosen) return kConfigError;  // a group such as `users` alone: CLI11 has already said so
  return RunReportingErrors(chosen, config_file);
}

}  // namespace dfauth::app
