#pragma once
// The client address behind trusted reverse proxies (interface.md: TRUSTED_PROXIES).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::http {

/// A set of CIDRs (IPv4 and IPv6; a bare address is a /32 or /128).
class ProxyList {
 public:
  ProxyList() = default;
  /// Throws std::invalid_argument naming the first CIDR that does not parse.
  explicit ProxyList(const std::vector<std::string>& cidrs);

  /// Whether `ip` (textual; IPv4-mapped IPv6 counts as IPv4) lies in one of the CIDRs.
  bool Contains(std::string_view ip) const;
  bool Empty() const noexcept { return nets_.empty(); }

 private:
  struct Net {
    std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix = 128;
  };
  std::vector<Net> nets_;
};

/// The canonical text of an address: IPv4-mapped IPv6 ("::ffff:1.2.3.4") becomes "1.2.3.4";
/// nullopt when `ip` is not an address.
std::optional<std::string> NormalizeIp(std::string_view ip);

/// The client address: the peer, or — when the peer is a trusted proxy — the first address that
/// is not a trusted proxy walking X-Forwarded-For from the right.
std::string ClientIp(std::string_view peer_ip, std::optional<std::string_view> forwarded_for,
                     const ProxyList& trusted);

}  // namespace dfauth::http
