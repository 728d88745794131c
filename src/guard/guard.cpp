#include "guard/guard.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "config/loader.hpp"
#include "crypto/primitives.hpp"
#include "dfauth/error.hpp"
#include "guard/words.hpp"
#include "identity/phone.hpp"
#include "text/json_string.hpp"
#include "text/timestamp.hpp"

namespace dfauth::guard {

using net::IpNet;
using net::IpSet;

namespace {

// Bans made by another process (or the CLI) are picked up within this many seconds; bans made
// here apply at once.
constexpr int64_t kBanRefreshSeconds = 1;
constexpr int64_t kPurgeEverySeconds = 600;
// Rows one purge round may delete (in transactions of 200 per table): a backlog goes on at the
// next ban reload, so no request waits long behind the purge.
constexpr int64_t kPurgeRowsPerRound = 400;
constexpr std::size_t kHashPrefix = 16;  // hex characters of SHA-256 in refusal logs

constexpr std::string_view kLoginAccount = "login_account";
constexpr std::string_view kLoginIp = "login_ip";

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::regex> Compile(const std::vector<std::string>& patterns) {
  // The loader validated them (config::CheckRegexes), so this cannot throw here.
  std::vector<std::regex> out;
  for (const auto& p : patterns) out.emplace_back(p, std::regex::ECMAScript | std::regex::optimize);
  return out;
}

bool AnySearch(const std::vector<std::regex>& regexes, std::string_view value) {
  for (const auto& re : regexes) {
    if (std::regex_search(value.begin(), value.end(), re)) return true;
  }
  return false;
}

std::string ReadDomainsFile(const std::string& path) {
  if (path.empty()) return {};
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(path, ec)) in.open(path, std::ios::binary);
  std::string text;
  if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!in.is_open() || in.bad()) {
    throw config::ConfigError("BLACKLIST_EMAIL_DOMAINS_FILE", "cannot read \"" + path + "\"");
  }
  return text;
}

IpSet ParseNets(const std::vector<std::string>& cidrs, const char* key) {
  try {
    return IpSet(cidrs);
  } catch (const std::invalid_argument& e) {
    throw config::ConfigError(key, e.what());
  }
}

int64_t WindowStart(int64_t now, const config::Rate& rate) {
  return now - now % rate.period_seconds;
}

}  // namespace

struct Guard::BanSnapshot {
  int64_t loaded_at = 0;
  std::map<std::string, int64_t> addresses;       ///< canonical address → until
  std::vector<std::pair<IpNet, int64_t>> networks;  ///< CIDR bans → until
};

Guard::Guard(const config::Settings& settings, store::GuardStore& store, Clock clock)
    : settings_(settings),
      store_(store),
      clock_(clock ? std::move(clock) : Clock(SystemNow)),
      email_regex_(Compile(settings.blacklist_email_regex)),
      phone_regex_(Compile(settings.blacklist_phone_regex)),
      username_regex_(Compile(settings.blacklist_username_regex)),
      otp_destination_regex_(Compile(settings.blacklist_otp_destination_regex)),
      file_domains_(std::make_shared<const DomainSet>(ReadDomainsFile(settings.blacklist_email_domains_file))),
      phone_types_(settings.blacklist_phone_types.begin(), settings.blacklist_phone_types.end()),
      blocklist_(ParseNets(settings.blacklist_ips, "BLACKLIST_IPS")),
      trusted_proxies_(ParseNets(settings.trusted_proxies, "TRUSTED_PROXIES")) {
  if (settings.blacklist_disposable_email_domains) disposable_domains_ = DomainSet::Shipped();
  if (settings.blacklist_username_words) offensive_words_ = WordSet(OffensiveWordsText());
}

void Guard::SetRefusalObserver(RefusalObserver observer) { observer_ = std::move(observer); }

int64_t Guard::Now() const { return clock_(); }

void Guard::Record(std::string_view rule, std::string_view value, std::string_view field) {
  // The value itself never reaches the log (it is personal data): a hash prefix lets an operator
  // correlate refusals of one value without learning it.
  std::string line = "{\"ts\":\"" + text::UtcTimestamp() +
                     "\",\"level\":\"warn\",\"msg\":\"guard refusal\",\"rule\":";
  text::AppendJsonString(line, rule);
  line += ",\"value_sha256\":\"" + crypto::HexEncode(crypto::Sha256(value)).substr(0, kHashPrefix) + "\"";
  if (!field.empty()) {
    line += ",\"field\":";
    text::AppendJsonString(line, field);
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines do not interleave
  if (observer_) observer_(rule);
}

void Guard::Refuse(std::string_view rule, std::string_view value, std::string_view field) {
  Record(rule, value, field);
  throw ApiError(400, "blacklisted", kBlacklistedMessage, std::string(field));
}

void Guard::CheckEmail(std::string_view email, std::string_view field) {
  if (AnySearch(email_regex_, email)) Refuse("email_regex", email, field);
  auto at = email.rfind('@');
  if (at == std::string_view::npos) return;
  std::string_view domain = email.substr(at + 1);
  if (disposable_domains_.ContainsOrParent(domain)) Refuse("disposable_email_domain", email, field);
  std::shared_ptr<const DomainSet> file_domains;
  {
    std::lock_guard lock(files_mutex_);
    file_domains = file_domains_;
  }
  if (file_domains->ContainsOrParent(domain)) Refuse("email_domains_file", email, field);
}

void Guard::ReloadFiles() {
  auto fresh = std::make_shared<const DomainSet>(ReadDomainsFile(settings_.blacklist_email_domains_file));
  std::lock_guard lock(files_mutex_);
  file_domains_ = std::move(fresh);
}

void Guard::CheckPhone(std::string_view e164, std::string_view field) {
  if (AnySearch(phone_regex_, e164)) Refuse("phone_regex", e164, field);
  if (phone_types_.empty()) return;
  auto phone = identity::ParsePhone(e164);
  if (phone && phone_types_.contains(phone->type)) Refuse("phone_type", e164, field);
}

void Guard::CheckUsername(std::string_view username, std::string_view field) {
  if (!offensive_words_.empty()) {
    // Both readings of l33t characters: as letters ("sh1t") and as separators ("shit1").
    for (bool leet : {true, false}) {
      for (const auto& word : NormalizedWords(username, leet)) {
        if (offensive_words_.contains(word) || offensive_words_.contains(LatinLookalikes(word))) {
          Refuse("username_words", username, field);
        }
      }
    }
  }
  if (AnySearch(username_regex_, username)) Refuse("username_regex", username, field);
}

bool Guard::OtpDestinationAllowed(std::string_view destination) {
  if (!AnySearch(otp_destination_regex_, destination)) return true;
  Record("otp_destination_regex", destination);
  return false;
}

std::shared_ptr<const Guard::BanSnapshot> Guard::Bans() {
  const int64_t now = Now();
  bool purge = false;
  std::shared_ptr<const BanSnapshot> previous;
  uint64_t version = 0;
  {
    std::lock_guard lock(bans_mutex_);
    previous = bans_;
    version = bans_version_;
    if (bans_ && now - bans_->loaded_at < kBanRefreshSeconds && now >= bans_->loaded_at) return bans_;
    if (now - last_purge_ >= kPurgeEverySeconds) {
      last_purge_ = now;
      purge = true;
    }
  }
  std::vector<store::IpBan> active;
  try {
    if (purge && !store_.PurgeExpired(now, kPurgeRowsPerRound)) {
      std::lock_guard lock(bans_mutex_);
      last_purge_ = now - kPurgeEverySeconds;
    }
    active = store_.ActiveBans(now);
  } catch (const std::exception&) {
    // A database hiccup should not turn every request into a 503: keep the bans known so far.
    if (previous) return previous;
    throw;
  }
  auto fresh = std::make_shared<BanSnapshot>();
  fresh->loaded_at = now;
  for (auto& ban : active) {
    auto net = IpNet::Parse(ban.ip);
    if (!net) continue;  // written by hand into the database: ignore rather than fail requests
    if (net->prefix == 128) fresh->addresses[net->Text()] = ban.until;
    else fresh->networks.emplace_back(*net, ban.until);
  }
  std::lock_guard lock(bans_mutex_);
  // A Ban or Unban of this process since our read may be missing from `fresh`: then it is
  // good for this call only, and the next call reads the store again.
  if (bans_version_ == version) bans_ = fresh;
  return fresh;
}

bool Guard::IsIpBlocked(std::string_view ip) {
  auto address = IpNet::ParseAddress(ip);
  if (!address) return false;
  if (blocklist_.Contains(*address)) {
    Record("ip_blocklist", ip);
    return true;
  }
  auto bans = Bans();
  if (bans->addresses.empty() && bans->networks.empty()) return false;
  const int64_t now = Now();
  bool banned = false;
  if (auto it = bans->addresses.find(address->Text()); it != bans->addresses.end()) {
    banned = now < it->second;
  }
  for (const auto& [net, until] : bans->networks) {
    if (!banned && now < until && net.Contains(*address)) banned = true;
  }
  if (banned) Record("ip_ban", ip);
  return banned;
}

bool Guard::Ban(std::string_view ip, int64_t seconds, std::string_view reason) {
  auto net = IpNet::Parse(ip);
  if (!net) return false;
  // A proxy's address stands for all its clients: banning it would ban them all (so would a
  // network that overlaps a trusted one).
  if (trusted_proxies_.Overlaps(*net)) return false;
  store_.Ban(net->Text(), Now() + seconds, reason);
  std::lock_guard lock(bans_mutex_);
  bans_.reset();  // seen by the next request of this process
  ++bans_version_;
  return true;
}

bool Guard::Unban(std::string_view ip) {
  auto net = IpNet::Parse(ip);
  if (!net) return false;
  bool lifted = store_.Unban(net->Text());
  std::lock_guard lock(bans_mutex_);
  bans_.reset();
  ++bans_version_;
  return lifted;
}

std::vector<store::IpBan> Guard::ActiveBans() { return store_.ActiveBans(Now()); }

bool Guard::IsHoneypotPath(std::string_view path) const {
  for (const auto& p : settings_.honeypot_paths) {
    if (p == path) return true;
  }
  return false;
}

void Guard::HoneypotHit(std::string_view ip, std::string_view rule) {
  Record(rule, ip);
  Ban(ip, settings_.honeypot_ban_duration, rule);
}

std::optional<LoginTicket> Guard::AdmitLogin(std::optional<std::string> account_key,
                                             std::string_view ip) {
  const int64_t now = Now();
  const config::Rate& per_ip = settings_.throttle_login_failures_ip;
  const config::Rate& per_account = settings_.throttle_login_failures;
  LoginTicket ticket;
  if (!per_ip.off && !ip.empty()) {
    ticket.ip_window = WindowStart(now, per_ip);
    if (!store_.IncrementBelow(kLoginIp, ip, ticket.ip_window, ticket.ip_window + per_ip.period_seconds,
                               per_ip.count)) {
      Record("login_failures_ip", ip);
      return std::nullopt;
    }
    ticket.ip = std::string(ip);
  }
  if (!per_account.off && account_key && !account_key->empty()) {
    ticket.account_window = WindowStart(now, per_account);
    if (!store_.IncrementBelow(kLoginAccount, *account_key, ticket.account_window,
                               ticket.account_window + per_account.period_seconds,
                               per_account.count)) {
      FinishLogin(ticket, LoginOutcome::kNotCounted);  // give the IP's slot back
      Record("login_failures_account", *account_key);
      return std::nullopt;
    }
    ticket.account_key = std::move(*account_key);
  }
  return ticket;
}

void Guard::FinishLogin(const LoginTicket& ticket, LoginOutcome outcome) {
  const bool keep_ip = outcome == LoginOutcome::kFailed;
  const bool keep_account = outcome == LoginOutcome::kFailed || outcome == LoginOutcome::kFailedAccountOnly;
  if (!ticket.ip.empty() && !keep_ip) {
    store_.Increment(kLoginIp, ticket.ip, ticket.ip_window,
                     ticket.ip_window + settings_.throttle_login_failures_ip.period_seconds, -1);
  }
  if (ticket.account_key.empty() || keep_account) return;
  if (outcome == LoginOutcome::kSucceeded) {
    store_.Reset(kLoginAccount, ticket.account_key);  // NIST: a success clears the account's count
  } else {
    store_.Increment(kLoginAccount, ticket.account_key, ticket.account_window,
                     ticket.account_window + settings_.throttle_login_failures.period_seconds, -1);
  }
}

}  // namespace dfauth::guard
