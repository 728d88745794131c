#include "crypto/primitives.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace dfauth::crypto {
namespace {

TEST(Primitives, Sha1MatchesFips180Vector) {
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(Sha1("")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(Primitives, Sha256MatchesFips180Vector) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Primitives, HmacSha256MatchesRfc4231) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 1: key = 20 × 0x0b.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(Primitives, HmacSha256KeepsEachKeyApartWhenKeysAlternate) {
  // Each thread reuses its last keyed context: the same key twice, a different key, an empty
  // key and back must all give the RFC 4231 answers, on this thread and on another.
  auto check = [] {
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
      EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
      EXPECT_EQ(HexEncode(HmacSha256("", "")),
                "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
      // A key that is a prefix of the cached one is another key.
      EXPECT_EQ(HexEncode(HmacSha256("Jef", "what do ya want for nothing?")),
                "89630a7f7bb95aced9efa60255f18a10e7d378665751be11dd40bb9594158c29");
    }
  };
  check();
  std::thread other(check);
  other.join();
}

TEST(Primitives, KeyedHash64IsSipHash24) {
  // SipHash-2-4 reference vectors (key 00..0f): the empty message gives 31 0e 0e dd 47 db 6f 72
  // and the message 00..0e (15 bytes) gives e5 45 be 49 61 ca 29 a1, read little-endian.
  std::string key, message;
  for (int i = 0; i < 16; ++i) key += static_cast<char>(i);
  for (int i = 0; i < 15; ++i) message += static_cast<char>(i);
  EXPECT_EQ(KeyedHash64(key, ""), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(KeyedHash64(key, message), 0xa129ca6149be45e5ULL);
  EXPECT_THROW(KeyedHash64("short", message), std::invalid_argument);
}

TEST(Primitives, HmacSha256AcceptsEmptyKey) {
  EXPECT_EQ(HexEncode(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Primitives, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  // Unpadded, each length of the last quantum.
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(Base64Decode("Zm9vYg"), "foob");
  EXPECT_EQ(Base64Decode("+/+/"), std::string("\xfb\xff\xbf"));
}

TEST(Primitives, Base64UrlUsesUrlAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf\xfe"), "-_-__g");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf\xfe", true), "-_-__g==");
  EXPECT_EQ(Base64UrlDecode("-_-__g"), std::string("\xfb\xff\xbf\xfe"));
  EXPECT_EQ(Base64UrlDecode("-_-__g=="), std::string("\xfb\xff\xbf\xfe"));
}

TEST(Primitives, Base64RejectsInvalidInput) {
  EXPECT_EQ(Base64UrlDecode("ab+c"), std::nullopt);  // '+' is not in the URL alphabet
  EXPECT_EQ(Base64Decode("ab-c"), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("a"), std::nullopt);    // a lone sextet is no byte
  EXPECT_EQ(Base64UrlDecode("Zg="), std::nullopt);  // padding that does not complete a quantum
  EXPECT_EQ(Base64UrlDecode("Zg==="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Z=g="), std::nullopt);
  EXPECT_EQ(Base64UrlDecode("Zh"), std::nullopt);  // non-zero leftover bits
  EXPECT_EQ(Base64Decode("Zm 9v"), std::nullopt);
}

TEST(Primitives, HexEncodeIsLowercase) {
  EXPECT_EQ(HexEncode(std::string_view("\x00\xab\xff", 3)), "00abff");
}

TEST(Primitives, RandomHexHasRequestedLengthAndVaries) {
  std::string a = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(RandomHex(16));
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(7).size(), 7u);
}

TEST(Primitives, RandomUniformStaysBelowBound) {
  std::set<uint32_t> seen;
  for (int i = 0; i < 1000; ++i) {
    uint32_t v = RandomUniform(10);
    ASSERT_LT(v, 10u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(RandomUniform(1), 0u);
}

TEST(Primitives, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret1"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

}  // namespace
}  // namespace dfauth::crypto
