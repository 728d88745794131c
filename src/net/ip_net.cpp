#include "net/ip_net.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace dfauth::net {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

bool IsMappedV4(const std::array<uint8_t, 16>& bytes) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), bytes.begin());
}

}  // namespace

std::optional<IpNet> IpNet::Parse(std::string_view text) {
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  // inet_pton reads a C string: an embedded NUL would hide what follows it.
  if (address.find('\0') != std::string::npos) return std::nullopt;
  IpNet net;
  bool v4_text = false;
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, address.c_str(), &a4) == 1) {
    std::copy(kMappedPrefix.begin(), kMappedPrefix.end(), net.bytes.begin());
    std::memcpy(net.bytes.data() + 12, &a4, 4);
    v4_text = true;
  } else if (inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
    std::memcpy(net.bytes.data(), &a6, 16);  // "::ffff:a.b.c.d" lands on the IPv4 bytes
  } else {
    return std::nullopt;
  }
  // An IPv4 prefix counts 32 bits; written as IPv6 it counts all 128.
  const int max = v4_text ? 32 : 128;
  int length = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || length < 0 ||
        length > max) {
      return std::nullopt;
    }
  }
  net.prefix = v4_text ? length + 96 : length;
  for (int bit = net.prefix; bit < 128; ++bit) net.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  return net;
}

std::optional<IpNet> IpNet::ParseAddress(std::string_view text) {
  if (text.find('/') != std::string_view::npos) return std::nullopt;
  return Parse(text);
}

bool IpNet::Contains(const IpNet& other) const {
  if (other.prefix < prefix) return false;
  int full = prefix / 8;
  if (!std::equal(bytes.begin(), bytes.begin() + full, other.bytes.begin())) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (bytes[full] & mask) == (other.bytes[full] & mask);
}

std::string IpNet::Text() const {
  const bool v4 = IsMappedV4(bytes) && prefix >= 96;
  std::string out;
  if (v4) {
    // Dotted quad by hand: glibc's inet_ntop formats it with sprintf (~1.6k instructions, and
    // this runs for every request: client address, ban lookup).
    char buffer[16];
    char* end = buffer;
    for (int i = 12; i < 16; ++i) {
      if (i > 12) *end++ = '.';
      end = std::to_chars(end, buffer + sizeof buffer, bytes[i]).ptr;
    }
    out.assign(buffer, end);
  } else {
    char buffer[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
    out = buffer;
  }
  const int shown = v4 ? prefix - 96 : prefix;
  if (shown != (v4 ? 32 : 128)) out += "/" + std::to_string(shown);
  return out;
}

IpSet::IpSet(const std::vector<std::string>& cidrs) {
  for (const auto& cidr : cidrs) {
    auto net = IpNet::Parse(cidr);
    if (!net) throw std::invalid_argument("\"" + cidr + "\" is not an IP address or CIDR");
    nets_.push_back(*net);
  }
}

bool IpSet::Overlaps(const IpNet& net) const {
  for (const auto& mine : nets_) {
    if (mine.Contains(net) || net.Contains(mine)) return true;
  }
  return false;
}

bool IpSet::Contains(std::string_view ip) const {
  auto address = IpNet::ParseAddress(ip);
  return address && Contains(*address);
}

bool IpSet::Contains(const IpNet& address) const {
  for (const auto& net : nets_) {
    if (net.Contains(address)) return true;
  }
  return false;
}

std::optional<std::string> NormalizeIp(std::string_view ip) {
  auto address = IpNet::ParseAddress(ip);
  if (!address) return std::nullopt;
  return address->Text();
}

}  // namespace dfauth::net
