#include "notify/magic_link.hpp"

#include "crypto/primitives.hpp"

namespace dfauth::notify {
namespace {

/// base64url("<email>/<code>") with '=' padding kept, as django-df-auth encodes it.
std::string CodeSegment(std::string_view email, std::string_view code) {
  std::string payload;
  payload.append(email).append("/").append(code);
  return crypto::Base64UrlEncode(payload, true);
}

}  // namespace

std::string PasswordResetLink(const config::Settings& settings, std::string_view email, std::string_view code) {
  return settings.site_url + settings.password_reset_url + CodeSegment(email, code);
}

std::string IdentityChangeUndoLink(const config::Settings& settings, std::string_view token) {
  return settings.site_url + "/undo-identity-change/" + std::string(token);
}

std::string SessionsPageLink(const config::Settings& settings) { return settings.site_url + "/sessions/"; }

std::string MagicLink(const config::Settings& settings, std::string_view email, std::string_view code,
                      std::string_view redirect_path) {
  std::string link = settings.site_url + settings.site_login_url + CodeSegment(email, code);
  // Raw on purpose: the reference appends the value unencoded and front-ends expect that.
  if (!redirect_path.empty()) link.append("?redirect_path=").append(redirect_path);
  return link;
}

}  // namespace dfauth::notify
