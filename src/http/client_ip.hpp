#pragma once
// The client address behind trusted reverse proxies (interface.md: TRUSTED_PROXIES).

#include <optional>
#include <string>
#include <string_view>

#include "net/ip_net.hpp"

namespace dfauth::http {

/// The trusted proxies' networks: the one IP parser and matcher (net/ip_net.hpp), which the
/// config check and the guard use too.
using ProxyList = net::IpSet;
/// The canonical text of an address; nullopt when `ip` is not one (net/ip_net.hpp).
using net::NormalizeIp;

/// The client address: the peer, or — when the peer is a trusted proxy — the first address that
/// is not a trusted proxy walking X-Forwarded-For from the right.
std::string ClientIp(std::string_view peer_ip, std::optional<std::string_view> forwarded_for,
                     const ProxyList& trusted);

}  // namespace dfauth::http
