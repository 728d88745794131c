#include "net/database_url.hpp"

#include <cctype>
#include <charconv>

namespace dfauth::net {
namespace {

constexpr std::string_view kSqlite = "sqlite://";
constexpr std::string_view kMask = "********";

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

/// Percent escapes well formed, and no space or control character anywhere.
bool CleanText(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= ' ' || c == 0x7f) return false;
    if (c == '%' && (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2]))) return false;
  }
  return true;
}

bool ValidPort(std::string_view port) {
  int value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

/// One `host[:port]` of the host list: a name, an IPv4 address or a bracketed IPv6 address.
bool ValidHostPort(std::string_view hostport) {
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port = rest.substr(1);
      if (!ValidPort(port)) return false;
    }
    return true;
  }
  const auto colon = hostport.find(':');
  if (colon != std::string_view::npos) {
    if (!ValidPort(hostport.substr(colon + 1))) return false;
    hostport = hostport.substr(0, colon);
  }
  for (char c : hostport) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_' && c != '%') return false;
  }
  return true;
}

std::optional<std::string> PostgresError(std::string_view rest) {
  const auto path = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path);
  const auto at = authority.rfind('@');
  std::string_view hosts = at == std::string_view::npos ? authority : authority.substr(at + 1);
  if (at != std::string_view::npos && authority.substr(0, at).starts_with(':')) {
    return "names a password but no user";
  }
  // Empty: libpq's default (the local socket). Otherwise a comma-separated list.
  size_t start = 0;
  while (!hosts.empty() && start <= hosts.size()) {
    auto comma = hosts.find(',', start);
    std::string_view one = hosts.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (one.empty() || !ValidHostPort(one)) return "has a bad host or port";
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (path == std::string_view::npos) return std::nullopt;
  const auto query = rest.find('?', path);
  if (query == std::string_view::npos) return std::nullopt;
  std::string_view params = rest.substr(query + 1);
  while (!params.empty()) {
    auto amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return "has a parameter that is not key=value";
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<DatabaseUrl> ParseDatabaseUrl(std::string_view url, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<DatabaseUrl> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  if (url.starts_with(kSqlite)) {
    // sqlite://relative.db, sqlite:///abs/path.db (the third slash starts the path), sqlite://:memory:
    std::string_view path = url.substr(kSqlite.size());
    if (path.empty()) return fail("names no SQLite file");
    return DatabaseUrl{DatabaseKind::kSqlite, std::string(path)};
  }
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!url.starts_with(scheme)) continue;
    if (!CleanText(url)) return fail("has a space, a control character or a bad %-escape");
    if (auto why = PostgresError(url.substr(scheme.size()))) return fail(*why);
    return DatabaseUrl{DatabaseKind::kPostgres, ""};
  }
  return fail("must be sqlite://PATH, sqlite://:memory: or postgresql://user:pass@host:port/db");
}

std::string MaskDatabaseUrl(std::string_view url) {
  std::string out(url);
  auto scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t start = scheme_end + 3;
    size_t end = out.find_first_of("/?#", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, kMask);
    }
  }
  for (size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    if (pos == 0 || (out[pos - 1] != '?' && out[pos - 1] != '&')) continue;
    size_t begin = pos + 9;
    size_t end = out.find('&', begin);
    if (end == std::string::npos) end = out.size();
    out.replace(begin, end - begin, kMask);
  }
  return out;
}

}  // namespace dfauth::net
