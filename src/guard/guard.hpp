#pragma once
// The guard (interface.md §6, issue 5): the one place every entry point asks before it acts —
// identity blacklists (email, phone, username), OTP destinations, the IP blocklist and bans,
// honeypots and the failed-login limits. Thread-safe; methods that touch the store block (call
// them from a pool thread).

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "config/settings.hpp"
#include "guard/lists.hpp"
#include "net/ip_net.hpp"
#include "store/guard_store.hpp"

namespace dfauth::guard {

/// The one message of a refused identity: it never says which rule matched.
inline constexpr const char* kBlacklistedMessage = "This value is not allowed.";
/// The answer to a request from a blocked address (403 ip_blocked).
inline constexpr const char* kIpBlockedMessage = "Your address is blocked.";

/// Unix seconds now; injectable so that tests need no sleeping.
using Clock = std::function<int64_t()>;
/// Told the rule name of every refusal (the app counts dfauth_guard_refusals_total{rule}).
using RefusalObserver = std::function<void(std::string_view rule)>;

/// How a login that AdmitLogin let through ended.
enum class LoginOutcome {
  kSucceeded,          ///< resets the account's failures; the IP's are kept (NIST 800-63B)
  kFailed,             ///< a wrong credential or OTP: one failure for the account and the IP
  kFailedAccountOnly,  ///< 2FA asked for and no otp given: counts for the account only (§3)
  kNotCounted,         ///< refused before any credential was checked (bad input, 503)
};

/// The failure slots one login attempt holds (see AdmitLogin).
struct LoginTicket {
  std::string account_key;  ///< empty when no account was named
  std::string ip;           ///< empty when the limit is off or the IP unknown
  int64_t account_window = 0;
  int64_t ip_window = 0;
};

class Guard {
 public:
  /// Compiles the regexes and loads the lists once. Throws config::ConfigError naming
  /// BLACKLIST_EMAIL_DOMAINS_FILE when that file cannot be read, or the key of a bad CIDR.
  Guard(const config::Settings& settings, store::GuardStore& store, Clock clock = {});
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

  /// Sets the refusal observer (before serving; not thread-safe against concurrent checks).
  void SetRefusalObserver(RefusalObserver observer);

  /// Throws 400 `blacklisted` on `field` when the address matches BLACKLIST_EMAIL_REGEX or is
  /// at a disposable domain or one of BLACKLIST_EMAIL_DOMAINS_FILE (subdomains included).
  void CheckEmail(std::string_view email, std::string_view field = "email");
  /// Reads BLACKLIST_EMAIL_DOMAINS_FILE again (SIGHUP); checks running meanwhile see the old
  /// list or the new one, whole. Throws config::ConfigError naming the key (the old list stays).
  void ReloadFiles();
  /// Throws 400 `blacklisted` on `field` when the E.164 number matches BLACKLIST_PHONE_REGEX or
  /// its libphonenumber type is in BLACKLIST_PHONE_TYPES.
  void CheckPhone(std::string_view e164, std::string_view field = "phone_number");
  /// Throws 400 `blacklisted` on `field` when a word of the username is on the shipped list
  /// (BLACKLIST_USERNAME_WORDS) or the username matches BLACKLIST_USERNAME_REGEX.
  void CheckUsername(std::string_view username, std::string_view field = "username");
  /// False (and the refusal logged) when no OTP may be sent to this email or E.164 number
  /// (BLACKLIST_OTP_DESTINATION_REGEX).
  bool OtpDestinationAllowed(std::string_view destination);

  /// True (and the refusal logged) when `ip` is in BLACKLIST_IPS or under an active ban. Bans
  /// made by other processes are seen within a second.
  bool IsIpBlocked(std::string_view ip);
  /// Bans `ip` (an address or CIDR) for `seconds`; false and nothing stored when it is not an
  /// address or lies in TRUSTED_PROXIES (a proxy is never banned).
  bool Ban(std::string_view ip, int64_t seconds, std::string_view reason);
  /// Lifts a ban of `ip` (an address or CIDR, as banned); false when there was none.
  bool Unban(std::string_view ip);
  /// The bans in force now.
  std::vector<store::IpBan> ActiveBans();

  /// Whether `path` is one of HONEYPOT_PATHS.
  bool IsHoneypotPath(std::string_view path) const;
  /// Records a honeypot hit from `ip` (rule `honeypot_path` or `honeypot_field`): bans it for
  /// HONEYPOT_BAN_DURATION, logs and counts the refusal.
  void HoneypotHit(std::string_view ip, std::string_view rule);
  /// HONEYPOT_FIELD: the hidden form field that only bots fill.
  const std::string& HoneypotField() const noexcept { return settings_.honeypot_field; }
  /// PREVENT_ENUMERATION.
  bool PreventEnumeration() const noexcept { return settings_.prevent_enumeration; }

  /// Takes one failure slot for the account (`account_key`, e.g. the user id; nullopt when the
  /// login names no existing account) and one for the client IP, atomically in the store.
  /// nullopt (nothing held, the refusal logged) when either THROTTLE_LOGIN_FAILURES or
  /// THROTTLE_LOGIN_FAILURES_IP is reached: answer as a wrong password. At most the limit of
  /// attempts per window ever get a slot, however many run at once.
  std::optional<LoginTicket> AdmitLogin(std::optional<std::string> account_key, std::string_view ip);
  /// Settles the slots of an admitted login: a failure keeps them, the rest are given back.
  void FinishLogin(const LoginTicket& ticket, LoginOutcome outcome);

 private:
  struct BanSnapshot;

  [[noreturn]] void Refuse(std::string_view rule, std::string_view value, std::string_view field);
  void Record(std::string_view rule, std::string_view value, std::string_view field = {});
  std::shared_ptr<const BanSnapshot> Bans();
  int64_t Now() const;

  const config::Settings& settings_;
  store::GuardStore& store_;
  Clock clock_;
  RefusalObserver observer_;

  std::vector<std::regex> email_regex_;
  std::vector<std::regex> phone_regex_;
  std::vector<std::regex> username_regex_;
  std::vector<std::regex> otp_destination_regex_;
  DomainSet disposable_domains_;
  mutable std::mutex files_mutex_;
  std::shared_ptr<const DomainSet> file_domains_;  ///< guarded by files_mutex_
  std::unordered_set<std::string> offensive_words_;
  std::unordered_set<std::string> phone_types_;
  net::IpSet blocklist_;
  net::IpSet trusted_proxies_;

  std::mutex bans_mutex_;
  std::shared_ptr<const BanSnapshot> bans_;  ///< guarded by bans_mutex_
  int64_t last_purge_ = 0;                   ///< guarded by bans_mutex_
  /// Bumped by every Ban and Unban; a reload that began before one does not keep its snapshot.
  uint64_t bans_version_ = 0;                ///< guarded by bans_mutex_
};

}  // namespace dfauth::guard
