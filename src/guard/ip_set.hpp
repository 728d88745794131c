#pragma once
// Sets of IPv4/IPv6 networks for BLACKLIST_IPS, TRUSTED_PROXIES and bans. (http has its own
// ProxyList for X-Forwarded-For; the guard must not depend on http.)

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dfauth::guard {

/// One network; IPv4 is kept as IPv4-mapped IPv6 so that both families compare alike.
struct IpNet {
  std::array<uint8_t, 16> bytes{};
  int prefix = 128;

  /// Parses "addr" or "addr/len" (IPv4 or IPv6; "::ffff:a.b.c.d" counts as IPv4); nullopt when
  /// malformed. The bits after the prefix are cleared.
  static std::optional<IpNet> Parse(std::string_view text);
  /// Whether `other` (an address or network) lies inside this network.
  bool Contains(const IpNet& other) const;
  /// Canonical text: "203.0.113.9", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32".
  std::string Text() const;
};

class IpSet {
 public:
  IpSet() = default;
  /// Throws std::invalid_argument naming the first entry that does not parse.
  explicit IpSet(const std::vector<std::string>& cidrs);

  /// Whether the address `ip` lies in one of the networks (false when `ip` is not an address).
  bool Contains(std::string_view ip) const;
  /// Whether `net` and one of the networks share an address (one contains the other).
  bool Overlaps(const IpNet& net) const;
  bool Empty() const noexcept { return nets_.empty(); }

 private:
  std::vector<IpNet> nets_;
};

}  // namespace dfauth::guard
