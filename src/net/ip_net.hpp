#pragma once
// IPv4/IPv6 addresses and networks: the one parser and matcher behind TRUSTED_PROXIES,
// BLACKLIST_IPS, IP bans and X-Forwarded-For.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::net {

/// One network; an address is a network of one (prefix 128). IPv4 is kept as IPv4-mapped IPv6
/// so that both families compare alike.
struct IpNet {
  std::array<uint8_t, 16> bytes{};
  int prefix = 128;

  /// Parses "addr" or "addr/len" (IPv4 or IPv6; "::ffff:a.b.c.d" is the IPv4 address, and a
  /// length after IPv6 text counts 128 bits); nullopt when malformed (no spaces allowed). The
  /// bits after the prefix are cleared.
  static std::optional<IpNet> Parse(std::string_view text);
  /// Parses a bare address (no "/len"); nullopt otherwise.
  static std::optional<IpNet> ParseAddress(std::string_view text);
  /// Whether `other` (an address or network) lies inside this network.
  bool Contains(const IpNet& other) const;
  /// Canonical text: "203.0.113.9", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32".
  std::string Text() const;
};

/// A set of networks (a bare address is a /32 or /128).
class IpSet {
 public:
  IpSet() = default;
  /// Throws std::invalid_argument `"<entry>" is not an IP address or CIDR` for the first entry
  /// that does not parse.
  explicit IpSet(const std::vector<std::string>& cidrs);

  /// Whether the address `ip` lies in one of the networks (false when `ip` is not an address).
  bool Contains(std::string_view ip) const;
  /// Whether the parsed address lies in one of the networks.
  bool Contains(const IpNet& address) const;
  /// Whether `net` and one of the networks share an address (one contains the other).
  bool Overlaps(const IpNet& net) const;
  bool Empty() const noexcept { return nets_.empty(); }

 private:
  std::vector<IpNet> nets_;
};

/// The canonical text of an address ("::ffff:1.2.3.4" becomes "1.2.3.4", IPv6 lower-case and
/// compressed); nullopt when `ip` is not a bare address.
std::optional<std::string> NormalizeIp(std::string_view ip);

}  // namespace dfauth::net
