#include "http/client_ip.hpp"

#include <gtest/gtest.h>

namespace dfauth::http {
namespace {

TEST(ClientIpTest, UntrustedPeerIgnoresForwardedFor) {
  ProxyList proxies({"10.0.0.0/8"});
  EXPECT_EQ(ClientIp("203.0.113.9", "1.2.3.4", proxies), "203.0.113.9");
  EXPECT_EQ(ClientIp("203.0.113.9", std::nullopt, ProxyList()), "203.0.113.9");
  EXPECT_EQ(ClientIp("10.0.0.1", "1.2.3.4", ProxyList()), "10.0.0.1");
}

TEST(ClientIpTest, WalksForwardedForRightToLeftPastTrustedHops) {
  ProxyList proxies({"10.0.0.0/8", "192.168.1.7"});
  // The left-most entries are client-controlled: the first untrusted from the right wins.
  EXPECT_EQ(ClientIp("10.1.2.3", "6.6.6.6, 198.51.100.4, 192.168.1.7", proxies), "198.51.100.4");
  EXPECT_EQ(ClientIp("10.1.2.3", "198.51.100.4", proxies), "198.51.100.4");
  // Every hop trusted: the left-most one is the best we know.
  EXPECT_EQ(ClientIp("10.1.2.3", "10.9.9.9,10.8.8.8", proxies), "10.9.9.9");
  // Garbage in the header: stop at the last trusted hop.
  EXPECT_EQ(ClientIp("10.1.2.3", "198.51.100.4, garbage", proxies), "10.1.2.3");
  EXPECT_EQ(ClientIp("10.1.2.3", "", proxies), "10.1.2.3");
}

TEST(ClientIpTest, Ipv6AndMappedAddresses) {
  // Matching and canonical text are net::IpSet's and net::NormalizeIp's (tested in src/net).
  ProxyList proxies({"fd00::/8", "127.0.0.1/32"});
  EXPECT_EQ(ClientIp("::ffff:127.0.0.1", "2001:db8::5", proxies), "2001:db8::5");
  EXPECT_EQ(ClientIp("::ffff:127.0.0.1", std::nullopt, proxies), "127.0.0.1");
  EXPECT_EQ(ClientIp("fd12::1", "::ffff:198.51.100.4, fd00::9", proxies), "198.51.100.4");
}

}  // namespace
}  // namespace dfauth::http
