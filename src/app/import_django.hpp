#pragma once
// `df-auth import-django --from sqlite:///path` or `--from postgresql://…`: users (ids, `pbkdf2_sha256$…` hashes, flags,
// dates), 2FA flags, invitations, OTP devices and social links from a django-df-auth database
// into an empty df-auth database (interface.md §1; tokens already in clients' hands keep working
// because user ids are kept).

#include <iosfwd>
#include <string>

#include "config/settings.hpp"
#include "store/database.hpp"

namespace dfauth::identity { class BreachedFilter; }

namespace dfauth::app {

struct ImportCounts {
  int users = 0;
  int two_fa = 0;
  int devices = 0;
  /// Devices df-auth could not use: TOTP with other digits or step than 6 and 30 s, email
  /// devices with no address of their own or of their user.
  int devices_skipped = 0;
  int social_links = 0;
  /// With PASSWORD_BREACHED_FILTER: the imported hashes that can be checked offline (Django's
  /// unsalted SHA-1, `sha1$$HEX`) and how many of those are on the filter (reported, imported
  /// anyway). Salted hashes (pbkdf2_sha256) are checked at the user's first sign-in instead.
  int passwords_checked = 0;
  int passwords_breached = 0;
};

/// Imports from the Django database at `from_url` (`sqlite:///path` or `postgresql://…`, read-only). `user_table`
/// names the user model's table; empty: the one table with username, password and email
/// columns. Throws std::runtime_error (message for the operator) when the source cannot be read,
/// the user table is ambiguous, or the target already has users.
ImportCounts ImportDjango(const config::Settings& settings, store::Database& target,
                          const std::string& from_url, const std::string& user_table,
                          const identity::BreachedFilter* breached = nullptr);

}  // namespace dfauth::app
