#include "notify/magic_link.hpp"

#include "crypto/primitives.hpp"

namespace dfauth::notify {

std::string MagicLink(const config::Settings& settings, std::string_view email, std::string_view code,
                      std::string_view redirect_path) {
  std::string payload;
  payload.append(email).append("/").append(code);
  std::string link = settings.site_url + settings.site_login_url + crypto::Base64UrlEncode(payload, true);
  // Raw on purpose: the reference appends the value unencoded and front-ends expect that.
  if (!redirect_path.empty()) link.append("?redirect_path=").append(redirect_path);
  return link;
}

}  // namespace dfauth::notify
