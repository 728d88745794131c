#pragma once
// The magic sign-in link of reference-contract.md §5.7, built exactly as django-df-auth does so
// that existing front-ends decode it: SITE_URL + SITE_LOGIN_URL + base64url("<email>/<code>")
// with '=' padding kept, then "?redirect_path=" + the raw (not URL-encoded) path when given.

#include <string>
#include <string_view>

#include "config/settings.hpp"

namespace dfauth::notify {

/// The sign-in link for `email` and `code`; `redirect_path` is appended raw when non-empty.
std::string MagicLink(const config::Settings& settings, std::string_view email, std::string_view code,
                      std::string_view redirect_path);

}  // namespace dfauth::notify
