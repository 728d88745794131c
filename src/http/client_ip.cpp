#include "http/client_ip.hpp"
#include "http/text.hpp"

namespace dfauth::http {

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
