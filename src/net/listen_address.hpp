#pragma once
// LISTEN: the one parser `check-config` and the server share, so that a value the check accepts
// is one the server can bind. The server binds an address and resolves no names, so the host
// is an IP literal or "localhost" (which is 127.0.0.1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::net {

struct ListenAddress {
  std::string host;   ///< the IP literal to bind, without brackets: "127.0.0.1", "::1"
  bool ipv6 = false;
  uint16_t port = 0;  ///< 0: the system picks a free port
};

/// `IPv4:port`, `[IPv6]:port` or `localhost:port`, the port in 0..65535. On a bad value:
/// nullopt, and `*error` (when not null) says what is wrong, quoting the value.
std::optional<ListenAddress> ParseListenAddress(std::string_view listen, std::string* error);

}  // namespace dfauth::net
