#pragma once
// The hosted pages (GET {API_PREFIX}ui/login/, ui/passkeys/ and magic/{segment}): one script and one style,
// served by df-auth from the text in ui_assets.cpp, and the page frame both pages share.

#include <string>
#include <string_view>

#include "http/message.hpp"

namespace dfauth::api {

/// The pages' script (ui/ui.js) and style sheet (ui/ui.css).
std::string_view UiScript();
std::string_view UiStyle();
/// The forms a page shows: the password and email-code sign-in, the 2FA step, the result.
std::string_view UiLoginBody();
std::string_view UiMagicBody();
/// ui/passkeys/: sign in with a passkey or a password, then list the caller's passkeys and add one.
std::string_view UiPasskeysBody();

/// A hosted page: `body` in the shared frame, linking {prefix}ui/ui.css and {prefix}ui/ui.js,
/// with the strict CSP (nothing inline, only this origin), no caching and no referrer.
http::Response HostedPage(const std::string& prefix, std::string_view title, std::string_view body);

}  // namespace dfauth::api
