#include "net/listen_address.hpp"

#include <gtest/gtest.h>

namespace dfauth::net {
namespace {

std::string ErrorOf(std::string_view listen) {
  std::string error;
  if (ParseListenAddress(listen, &error)) return "<valid>";
  return error;
}

TEST(ListenAddress, Ipv4) {
  auto parsed = ParseListenAddress("0.0.0.0:65535", nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "0.0.0.0");
  EXPECT_FALSE(parsed->ipv6);
  EXPECT_EQ(parsed->port, 65535);
  EXPECT_EQ(ParseListenAddress("127.0.0.1:0", nullptr)->port, 0);
}

TEST(ListenAddress, BracketedIpv6) {
  auto parsed = ParseListenAddress("[::1]:8000", nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_TRUE(parsed->ipv6);
  EXPECT_EQ(parsed->port, 8000);
  EXPECT_EQ(ParseListenAddress("[::]:80", nullptr)->host, "::");
}

TEST(ListenAddress, LocalhostIsTheIpv4Loopback) {
  auto parsed = ParseListenAddress("localhost:8000", nullptr);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_FALSE(parsed->ipv6);
  EXPECT_EQ(parsed->port, 8000);
}

TEST(ListenAddress, HostNamesAreRefused) {
  EXPECT_EQ(ErrorOf("auth-1.internal:443"),
            "\"auth-1.internal:443\": the host must be an IPv4 address, [IPv6] or localhost "
            "(names are not resolved)");
  EXPECT_EQ(ErrorOf("300.1.1.1:80"),
            "\"300.1.1.1:80\": the host must be an IPv4 address, [IPv6] or localhost "
            "(names are not resolved)");
  EXPECT_EQ(ErrorOf(":80"),
            "\":80\": the host must be an IPv4 address, [IPv6] or localhost (names are not resolved)");
  EXPECT_EQ(ErrorOf("*:80"),
            "\"*:80\": the host must be an IPv4 address, [IPv6] or localhost (names are not resolved)");
  EXPECT_EQ(ErrorOf("LOCALHOST:80"),
            "\"LOCALHOST:80\": the host must be an IPv4 address, [IPv6] or localhost (names are not "
            "resolved)");
}

TEST(ListenAddress, BadForms) {
  EXPECT_EQ(ErrorOf("localhost"),
            "\"localhost\" is not host:port (IPv4, [IPv6] or localhost; port 0-65535)");
  EXPECT_EQ(ErrorOf("127.0.0.1:65536"), "\"127.0.0.1:65536\": the port is not a number in 0-65535");
  EXPECT_EQ(ErrorOf("127.0.0.1:"), "\"127.0.0.1:\": the port is not a number in 0-65535");
  EXPECT_EQ(ErrorOf("127.0.0.1:+80"), "\"127.0.0.1:+80\": the port is not a number in 0-65535");
  EXPECT_EQ(ErrorOf("127.0.0.1:008000"), "\"127.0.0.1:008000\": the port is not a number in 0-65535");
  EXPECT_EQ(ErrorOf("[::1:80"), "\"[::1:80\": the host must be an IPv4 address, [IPv6] or localhost "
                                "(names are not resolved)");
  EXPECT_EQ(ErrorOf("[zz]:80"), "\"[zz]:80\": \"zz\" is not an IPv6 address");
  EXPECT_EQ(ErrorOf("::1:80"), "\"::1:80\": an IPv6 address is written in brackets ([::1]:port)");
}

TEST(ListenAddress, ErrorIsOptional) {
  EXPECT_FALSE(ParseListenAddress("nowhere", nullptr));
}

}  // namespace
}  // namespace dfauth::net
