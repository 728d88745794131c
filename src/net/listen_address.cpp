#include "net/listen_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace dfauth::net {
namespace {

std::optional<uint16_t> ParsePort(std::string_view text) {
  // Digits only, at most five: a sign, spaces or trailing text are refused.
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned port = 0;
  std::from_chars(text.data(), text.data() + text.size(), port);
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

bool IsAddress(int family, const std::string& text) {
  unsigned char bytes[sizeof(in6_addr)];
  return inet_pton(family, text.c_str(), bytes) == 1;
}

std::optional<ListenAddress> Fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return std::nullopt;
}

}  // namespace

std::optional<ListenAddress> ParseListenAddress(std::string_view listen, std::string* error) {
  const std::string quoted = "\"" + std::string(listen) + "\"";
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return Fail(error, quoted + " is not host:port (IPv4, [IPv6] or localhost; port 0-65535)");
  }
  std::optional<uint16_t> port = ParsePort(listen.substr(colon + 1));
  if (!port) return Fail(error, quoted + ": the port is not a number in 0-65535");
  std::string_view host = listen.substr(0, colon);
  ListenAddress out;
  out.port = *port;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.host = std::string(host.substr(1, host.size() - 2));
    out.ipv6 = true;
    if (IsAddress(AF_INET6, out.host)) return out;
    return Fail(error, quoted + ": \"" + out.host + "\" is not an IPv6 address");
  }
  out.host = host == "localhost" ? "127.0.0.1" : std::string(host);
  if (IsAddress(AF_INET, out.host)) return out;
  if (IsAddress(AF_INET6, out.host)) {
    return Fail(error, quoted + ": an IPv6 address is written in brackets ([" + out.host + "]:port)");
  }
  // The server binds without resolving names: a name other than localhost would pass a
  // syntax check and then fail at startup.
  return Fail(error, quoted + ": the host must be an IPv4 address, [IPv6] or localhost (names "
                              "are not resolved)");
}

}  // namespace dfauth::net
