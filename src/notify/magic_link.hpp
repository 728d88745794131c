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

/// The sign-in link for `email` and `code`; `redirect_path` is appended raw when non-empty.
std::string MagicLink(const config::Settings& settings, std::string_view email, std::string_view code,
                      std::string_view redirect_path);

}  // namespace dfauth::notify
