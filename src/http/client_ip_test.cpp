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
  ProxyList proxies({"fd00::/8", "127.0.0.1/32"});
  EXPECT_TRUE(proxies.Contains("fd12::1"));
  EXPECT_FALSE(proxies.Contains("fe80::1"));
  EXPECT_TRUE(proxies.Contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(proxies.Contains("127.0.0.2"));
  EXPECT_EQ(ClientIp("::ffff:127.0.0.1", "2001:db8::5", proxies), "2001:db8::5");
  EXPECT_EQ(NormalizeIp("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(NormalizeIp("2001:DB8::1"), "2001:db8::1");
  EXPECT_EQ(NormalizeIp("nope"), std::nullopt);
}

TEST(ClientIpTest, PrefixBoundaries) {
  ProxyList proxies({"192.168.0.0/23", "0.0.0.0/0"});
  EXPECT_TRUE(proxies.Contains("8.8.8.8"));  // /0 matches every IPv4
  EXPECT_FALSE(proxies.Contains("2001:db8::1"));
  ProxyList narrow({"192.168.0.0/23"});
  EXPECT_TRUE(narrow.Contains("192.168.1.255"));
  EXPECT_FALSE(narrow.Contains("192.168.2.0"));
}

TEST(ClientIpTest, BadCidrThrows) {
  EXPECT_THROW(ProxyList({"10.0.0.0/33"}), std::invalid_argument);
  EXPECT_THROW(ProxyList({"not-an-ip"}), std::invalid_argument);
  EXPECT_THROW(ProxyList({"::/129"}), std::invalid_argument);
}

}  // namespace
}  // namespace dfauth::http
