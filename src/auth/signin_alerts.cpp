#include "auth/signin_alerts.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "audit/audit.hpp"
#include "crypto/primitives.hpp"
#include "net/ip_net.hpp"
#include "notify/magic_link.hpp"

namespace dfauth::auth {
namespace {

bool Has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string BrowserOf(std::string_view ua) {
  // Order matters: Edge and Opera say Chrome, Chrome says Safari.
  if (Has(ua, "Edg/") || Has(ua, "Edge/")) return "Edge";
  if (Has(ua, "OPR/") || Has(ua, "Opera")) return "Opera";
  if (Has(ua, "Firefox/")) return "Firefox";
  if (Has(ua, "Chrome/") || Has(ua, "CriOS/")) return "Chrome";
  if (Has(ua, "Safari/")) return "Safari";
  // A tool or library: its product name ("curl/8.5.0" → "curl").
  std::string_view product = ua.substr(0, ua.find_first_of("/ ;("));
  return product.empty() ? "unknown" : std::string(product.substr(0, 40));
}

std::string_view SystemOf(std::string_view ua) {
  if (Has(ua, "Android")) return "Android";
  if (Has(ua, "iPhone") || Has(ua, "iPad") || Has(ua, "iOS")) return "iOS";
  if (Has(ua, "Windows")) return "Windows";
  if (Has(ua, "Mac OS X") || Has(ua, "Macintosh")) return "macOS";
  if (Has(ua, "CrOS")) return "ChromeOS";
  if (Has(ua, "Linux")) return "Linux";
  return {};
}

/// "2026-12-07 05:30 UTC".
std::string MailTime(int64_t at) {
  std::time_t t = static_cast<std::time_t>(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

}  // namespace

std::string UserAgentFamily(std::string_view user_agent) {
  if (user_agent.empty()) return "unknown";
  std::string family = BrowserOf(user_agent);
  if (auto system = SystemOf(user_agent); !system.empty()) family.append(" on ").append(system);
  return family;
}

std::string ApproximateNetwork(std::string_view ip) {
  auto address = net::NormalizeIp(ip);
  if (!address) return "unknown";
  const bool v4 = address->find('.') != std::string::npos;
  auto network = net::IpNet::Parse(*address + (v4 ? "/24" : "/48"));
  return network ? network->Text() : "unknown";
}

SignInAlerts::SignInAlerts(const config::Settings& settings, store::Database& store, notify::Notifier& notifier,
                           Clock clock)
    : settings_(settings), store_(store), notifier_(notifier), clock_(std::move(clock)),
      hash_key_(crypto::HexEncode(crypto::HmacSha256(settings.secret_key, "dfauth sign-in device"))) {}

int64_t SignInAlerts::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SignInAlerts::SignedIn(const store::User& user, const token::SessionStart& start) {
  if (!settings_.signin_alerts) return;
  try {
    const std::string family = UserAgentFamily(start.user_agent);
    const std::string network = ApproximateNetwork(start.ip);
    const std::string device_hash = crypto::HexEncode(crypto::HmacSha256(hash_key_, family + "\n" + network));
    const int64_t now = Now();
    const auto sighting = store_.AccountSafety().SeeDevice(user.id, device_hash, now, kKnownDeviceWindow);
    // The first device recorded for a user is new too when the user signed in before it: an
    // earlier live session (from before sign-in alerts were turned on or upgraded to) or a
    // last login imported from Django. Only the very first sign-in after sign-up is not told.
    const bool first_ever = sighting == store::DeviceSighting::kFirstOfUser && !user.last_login &&
                            store_.Sessions().ListForUser(user.id, now, 1, 0).count <= 1;
    if (sighting == store::DeviceSighting::kKnown || first_ever) return;
    audit::Record(store_, now, {audit::event::kNewDeviceSignIn, user.id, {user.id, start.ip},
                                std::string(token::SignInMethodName(start.method))});
    if (!user.email || user.email->empty()) return;
    notify::Message message;
    message.channel = notify::Channel::kEmail;
    message.to = *user.email;
    message.template_name = "new_signin_email";
    message.variables = {{"username", user.username},
                         {"email", *user.email},
                         {"time", MailTime(now)},
                         {"network", network},
                         {"device", family},
                         {"method", std::string(token::SignInMethodName(start.method))},
                         {"sessions_link", notify::SessionsPageLink(settings_)}};
    notifier_.Enqueue(message);
  } catch (const std::exception& e) {
    spdlog::error("sign-in alert for user {} not recorded: {}", user.id, e.what());
  }
}

}  // namespace dfauth::auth
