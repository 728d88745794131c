#include "net/ip_net.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace dfauth::net {
namespace {

TEST(IpNet, ParsesAndCanonicalises) {
  EXPECT_EQ(IpNet::Parse("203.0.113.9")->Text(), "203.0.113.9");
  EXPECT_EQ(IpNet::Parse("255.255.255.255")->Text(), "255.255.255.255");
  EXPECT_EQ(IpNet::Parse("1.0.10.100")->Text(), "1.0.10.100");
  EXPECT_EQ(IpNet::Parse("0.0.0.0")->Text(), "0.0.0.0");
  EXPECT_EQ(IpNet::Parse("10.0.0.1")->prefix, 128);
  EXPECT_EQ(IpNet::Parse("10.1.2.3/8")->Text(), "10.0.0.0/8");
  EXPECT_EQ(IpNet::Parse("10.0.0.0/8")->prefix, 96 + 8);
  EXPECT_EQ(IpNet::Parse("2001:DB8:0:0::1")->Text(), "2001:db8::1");
  EXPECT_EQ(IpNet::Parse("2001:db8:ffff::/32")->Text(), "2001:db8::/32");
  EXPECT_EQ(IpNet::Parse("::1")->Text(), "::1");
  EXPECT_EQ(IpNet::Parse("::ffff:192.0.2.7")->Text(), "192.0.2.7");
  EXPECT_EQ(IpNet::Parse("0.0.0.0/0")->Text(), "0.0.0.0/0");
  EXPECT_EQ(IpNet::Parse("::/0")->Text(), "::/0");
  EXPECT_EQ(IpNet::Parse("10.0.0.0/32")->Text(), "10.0.0.0");
  EXPECT_EQ(IpNet::Parse("::1/128")->Text(), "::1");
}

TEST(IpNet, PrefixAfterMappedIpv6TextCountsAll128Bits) {
  auto net = IpNet::Parse("::ffff:192.0.2.0/120");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->prefix, 120);
  EXPECT_EQ(net->Text(), "192.0.2.0/24");
  auto wide = IpNet::Parse("::ffff:192.0.2.0/24");  // an IPv6 /24, not 192.0.2.0/24
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->prefix, 24);
  EXPECT_EQ(wide->Text(), "::/24");
  EXPECT_TRUE(wide->Contains(*IpNet::Parse("::1")));
  EXPECT_FALSE(wide->Contains(*IpNet::Parse("2001:db8::1")));
}

TEST(IpNet, RejectsMalformedText) {
  for (const char* bad : {"", " ", "example.com", "not-an-ip", "1.2.3", "10.0.0/8", "1.2.3.4/33",
                          "10.0.0.0/33", "::1/129", "::/129", "2001:db8::/129", "1.2.3.4/",
                          "1.2.3.4/x", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/8/8", "/8", "1.2.3.4 ",
                          " 1.2.3.4", "10.0.0.0 /8", "10.0.0.0/ 8", "10.0.0.0/8 ", "256.0.0.1",
                          "1.2.3.4:80", "[::1]", "::1%eth0"}) {
    EXPECT_FALSE(IpNet::Parse(bad)) << '"' << bad << '"';
  }
  EXPECT_FALSE(IpNet::Parse(std::string("1.2.3.4\0junk", 12)));
}

TEST(IpNet, ParseAddressRefusesNetworks) {
  EXPECT_EQ(IpNet::ParseAddress("192.0.2.1")->Text(), "192.0.2.1");
  EXPECT_FALSE(IpNet::ParseAddress("192.0.2.1/32"));
  EXPECT_FALSE(IpNet::ParseAddress("10.0.0.0/8"));
  EXPECT_FALSE(IpNet::ParseAddress(""));
}

TEST(IpNet, ContainsRespectsPrefixBoundaries) {
  auto narrow = *IpNet::Parse("192.168.0.0/23");
  EXPECT_TRUE(narrow.Contains(*IpNet::Parse("192.168.1.255")));
  EXPECT_FALSE(narrow.Contains(*IpNet::Parse("192.168.2.0")));
  EXPECT_TRUE(narrow.Contains(*IpNet::Parse("192.168.0.0/24")));
  EXPECT_FALSE(narrow.Contains(*IpNet::Parse("192.168.0.0/22")));  // wider than itself
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
  EXPECT_FALSE(set.Contains(""));
  EXPECT_FALSE(set.Contains(" 192.0.2.1"));
  EXPECT_FALSE(set.Contains("192.0.2.0/24"));  // a network is not an address
  EXPECT_FALSE(set.Contains("198.51.100.7/32"));
}

TEST(IpSet, MappedAddressesOnBothSides) {
  IpSet set({"fd00::/8", "127.0.0.1/32", "::ffff:10.0.0.0/104"});
  EXPECT_TRUE(set.Contains("fd12::1"));
  EXPECT_FALSE(set.Contains("fe80::1"));
  EXPECT_TRUE(set.Contains("::ffff:127.0.0.1"));
  EXPECT_FALSE(set.Contains("127.0.0.2"));
  EXPECT_TRUE(set.Contains("10.200.0.1"));  // ::ffff:10.0.0.0/104 is 10.0.0.0/8
  EXPECT_FALSE(set.Contains("11.0.0.1"));
}

TEST(IpSet, ZeroPrefixMatchesOneFamilyOnly) {
  IpSet v4({"0.0.0.0/0"});
  EXPECT_TRUE(v4.Contains("8.8.8.8"));
  EXPECT_FALSE(v4.Contains("2001:db8::1"));
  IpSet all({"::/0"});
  EXPECT_TRUE(all.Contains("2001:db8::1"));
  EXPECT_TRUE(all.Contains("8.8.8.8"));  // every IPv4 address is an IPv6 address too
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
  EXPECT_TRUE(IpSet().Empty());
  EXPECT_FALSE(set.Empty());
}

TEST(IpSet, RejectsMalformedEntriesNamingTheFirst) {
  try {
    IpSet({"10.0.0.0/8", "10.0.0.0/33", "nope"});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "\"10.0.0.0/33\" is not an IP address or CIDR");
  }
  EXPECT_THROW(IpSet({"::/129"}), std::invalid_argument);
  EXPECT_THROW(IpSet({"1.2.3"}), std::invalid_argument);
  EXPECT_THROW(IpSet({""}), std::invalid_argument);
  EXPECT_THROW(IpSet({" 10.0.0.1"}), std::invalid_argument);
}

TEST(NormalizeIp, CanonicalTextOfBareAddresses) {
  EXPECT_EQ(NormalizeIp("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(NormalizeIp("2001:DB8::1"), "2001:db8::1");
  EXPECT_EQ(NormalizeIp("2001:db8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(NormalizeIp("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(NormalizeIp("nope"), std::nullopt);
  EXPECT_EQ(NormalizeIp(""), std::nullopt);
  EXPECT_EQ(NormalizeIp("10.0.0.0/8"), std::nullopt);
  EXPECT_EQ(NormalizeIp("1.2.3"), std::nullopt);
}

}  // namespace
}  // namespace dfauth::net
