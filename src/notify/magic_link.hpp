#pragma once
// The magic sign-in link of reference-contract.md §5.7, built exactly as django-df-auth does so
// that existing front-ends decode it: SITE_URL + SITE_LOGIN_URL + base64url("<email>/<code>")
// with '=' padding kept, then "?redirect_path=" + the raw (not URL-encoded) path when given.

#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace dfauth::notify {

/// The password-reset link (issue 16 item 2): SITE_URL + PASSWORD_RESET_URL + the same
/// base64url("<email>/<code>") segment, so a front-end decodes both links alike.
std::string PasswordResetLink(const config::Settings& settings, std::string_view email, std::string_view code);

/// The one-time undo link mailed to the old address after an identity change (issue 16 item
/// 3): SITE_URL + "/undo-identity-change/" + the token (URL-safe as it is).
std::string IdentityChangeUndoLink(const config::Settings& settings, std::string_view token);

/// The sessions page a sign-in alert points to (issue 16 item 4): SITE_URL + "/sessions/".
std::string SessionsPageLink(const config::Settings& settings);

/// The sign-in link for `email` and `code`; `redirect_path` is appended raw when non-empty.
std::string MagicLink(const config::Settings& settings, std::string_view email, std::string_view code,
                      std::string_view redirect_path);

}  // namespace dfauth::notify
