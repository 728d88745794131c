#pragma once
// Sign-in alerts (issue 16 item 4, SIGNIN_ALERTS): a successful sign-in, by any method, from a
// device not seen for this user in 90 days mails the account "new sign-in" with the time, the
// approximate network, the method and a link to the sessions page. A device is the user-agent
// family plus the client's /24 (IPv4) or /48 (IPv6) network, stored as a keyed hash. The first
// sign-in of an account (the one after sign-up) records its device without a mail; parallel
// sign-ins from one new device mail once (the store's atomic sighting).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "notify/notifier.hpp"
#include "store/database.hpp"
#include "token/session_service.hpp"

namespace dfauth::auth {

/// How long a device stays known without a sign-in from it.
inline constexpr int64_t kKnownDeviceWindow = 90 * 86400;

/// The family of a User-Agent: "Firefox on Linux", "Chrome on Android", "curl"; "unknown" when
/// empty.
std::string UserAgentFamily(std::string_view user_agent);
/// "203.0.113.0/24" for an IPv4 address, "2001:db8:1::/48" for IPv6; "unknown" otherwise.
std::string ApproximateNetwork(std::string_view ip);

class SignInAlerts {
 public:
  using Clock = std::function<int64_t()>;
  SignInAlerts(const config::Settings& settings, store::Database& store, notify::Notifier& notifier,
               Clock clock = {});

  /// The token service's sign-in observer. Never throws (a failure is logged: the sign-in stands).
  void SignedIn(const store::User& user, const token::SessionStart& start);

 private:
  int64_t Now() const;

  const config::Settings& settings_;
  store::Database& store_;
  notify::Notifier& notifier_;
  Clock clock_;
  /// HMAC key of stored device hashes: derived from SECRET_KEY for this purpose only.
  const std::string hash_key_;
};

}  // namespace dfauth::auth
