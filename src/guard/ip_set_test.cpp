#include "guard/ip_set.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dfauth::guard {
namespace {

TEST(IpNet, ParsesAndCanonicalises) {
  EXPECT_EQ(IpNet::Parse("203.0.113.9")->Text(), "203.0.113.9");
  EXPECT_EQ(IpNet::Parse("10.1.2.3/8")->Text(), "10.0.0.0/8");
  EXPECT_EQ(IpNet::Parse("2001:DB8:0:0::1")->Text(), "2001:db8::1");
  EXPECT_EQ(IpNet::Parse("2001:db8:ffff::/32")->Text(), "2001:db8::/32");
  EXPECT_EQ(IpNet::Parse("::ffff:192.0.2.7")->Text(), "192.0.2.7");
  EXPECT_EQ(IpNet::Parse("0.0.0.0/0")->Text(), "0.0.0.0/0");
  EXPECT_EQ(IpNet::Parse("::/0")->Text(), "::/0");
  for (const char* bad : {"", "example.com", "1.2.3", "1.2.3.4/33", "::1/129", "1.2.3.4/", "1.2.3.4/x",
                          "1.2.3.4/-1", "1.2.3.4 "}) {
    EXPECT_FALSE(IpNet::Parse(bad)) << bad;
  }
}

TEST(IpSet, MatchesIpv4AndIpv6Cidrs) {
  IpSet set({"192.0.2.0/24", "2001:db8:abcd::/48", "198.51.100.7", "::1"});
  EXPECT_TRUE(set.Contains("192.0.2.0"));
  EXPECT_TRUE(set.Contains("192.0.2.255"));
  EXPECT_FALSE(set.Contains("192.0.3.0"));
  EXPECT_TRUE(set.Contains("::ffff:192.0.2.9"));  // IPv4-mapped IPv6 is the IPv4 address
  EXPECT_TRUE(set.Contains("2001:db8:abcd:1234::5"));
  EXPECT_TRUE(set.Contains("2001:DB8:ABCD:FFFF:FFFF:FFFF:FFFF:FFFF"));
  EXPECT_FALSE(set.Contains("2001:db8:abce::1"));
  EXPECT_TRUE(set.Contains("198.51.100.7"));
  EXPECT_FALSE(set.Contains("198.51.100.8"));
  EXPECT_TRUE(set.Contains("::1"));
  EXPECT_FALSE(set.Contains("::2"));
  EXPECT_FALSE(set.Contains("not an ip"));
  EXPECT_FALSE(set.Contains("192.0.2.0/24"));  // a network is not an address
}

TEST(IpSet, OddPrefixLengthsAndOverlap) {
  IpSet set({"10.0.0.0/9", "2001:db8::/33"});
  EXPECT_TRUE(set.Contains("10.127.255.255"));
  EXPECT_FALSE(set.Contains("10.128.0.0"));
  EXPECT_TRUE(set.Contains("2001:db8:7fff::1"));
  EXPECT_FALSE(set.Contains("2001:db8:8000::1"));
  EXPECT_TRUE(set.Overlaps(*IpNet::Parse("10.1.0.0/16")));  // inside
  EXPECT_TRUE(set.Overlaps(*IpNet::Parse("10.0.0.0/8")));   // around
  EXPECT_FALSE(set.Overlaps(*IpNet::Parse("10.128.0.0/9")));
  EXPECT_FALSE(IpSet().Contains("10.0.0.1"));
}

TEST(IpSet, RejectsMalformedEntries) {
  EXPECT_THROW(IpSet({"10.0.0.0/8", "nope"}), std::invalid_argument);
}

}  // namespace
}  // namespace dfauth::guard
