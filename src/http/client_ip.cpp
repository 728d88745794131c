#include "http/client_ip.hpp"
#include "http/text.hpp"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace dfauth::http {
namespace {

/// Parses into IPv4-mapped IPv6 form; `is_v4` tells which family the text was.
bool ParseAddress(std::string_view text, std::array<uint8_t, 16>& out, bool& is_v4) {
  if (text.empty() || text.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    out.fill(0);
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    is_v4 = true;
    return true;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    is_v4 = std::memcmp(out.data(), kMapped, 12) == 0;
    return true;
  }
  return false;
}

}  // namespace

ProxyList::ProxyList(const std::vector<std::string>& cidrs) {
  for (const std::string& cidr : cidrs) {
    std::string_view text = Trim(cidr);
    if (text.empty()) continue;
    std::size_t slash = text.find('/');
    Net net;
    bool is_v4 = false;
    if (!ParseAddress(text.substr(0, slash), net.bytes, is_v4)) {
      throw std::invalid_argument("not a CIDR: " + cidr);
    }
    int max = is_v4 ? 32 : 128;
    int prefix = max;
    if (slash != std::string_view::npos) {
      std::string_view digits = text.substr(slash + 1);
      if (digits.empty() || digits.size() > 3) throw std::invalid_argument("not a CIDR: " + cidr);
      prefix = 0;
      for (char c : digits) {
        if (c < '0' || c > '9') throw std::invalid_argument("not a CIDR: " + cidr);
        prefix = prefix * 10 + (c - '0');
      }
      if (prefix > max) throw std::invalid_argument("not a CIDR: " + cidr);
    }
    net.prefix = is_v4 ? prefix + 96 : prefix;
    nets_.push_back(net);
  }
}

bool ProxyList::Contains(std::string_view ip) const {
  std::array<uint8_t, 16> addr{};
  bool is_v4 = false;
  if (!ParseAddress(Trim(ip), addr, is_v4)) return false;
  for (const Net& net : nets_) {
    int bits = net.prefix;
    bool match = true;
    for (int i = 0; i < 16 && bits > 0 && match; ++i, bits -= 8) {
      uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
      match = (addr[i] & mask) == (net.bytes[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

std::optional<std::string> NormalizeIp(std::string_view ip) {
  std::array<uint8_t, 16> addr{};
  bool is_v4 = false;
  if (!ParseAddress(Trim(ip), addr, is_v4)) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  if (is_v4) {
    inet_ntop(AF_INET, addr.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
  }
  return std::string(buf);
}

std::string ClientIp(std::string_view peer_ip, std::optional<std::string_view> forwarded_for,
                     const ProxyList& trusted) {
  std::string client = NormalizeIp(peer_ip).value_or(std::string(peer_ip));
  if (!forwarded_for || trusted.Empty() || !trusted.Contains(client)) return client;
  std::string_view list = *forwarded_for;
  while (!list.empty()) {
    std::size_t comma = list.rfind(',');
    std::string_view hop =
        Trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
    std::optional<std::string> address = NormalizeIp(hop);
    // A garbage hop was written by someone we do not trust: the last trusted hop's sender stands.
    if (!address) return client;
    client = *address;
    if (!trusted.Contains(client)) return client;
  }
  return client;
}

}  // namespace dfauth::http
