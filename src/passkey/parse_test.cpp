#include "passkey/parse.hpp"

#include <gtest/gtest.h>

#include <string>

#include "passkey/test_support.hpp"

using namespace std::string_literals;

namespace dfauth::passkey {
namespace {

using namespace test_support;

TEST(ParseAuthenticatorData, ReadsTheFixedPartAndTheAttestedCredential) {
  const std::string key = Es256Key();
  auto d = ParseAuthenticatorData(AuthData(kFlagUp | kFlagUv | kFlagBe | kFlagAt, Attested("cred", key), 0x01020304));
  EXPECT_EQ(d.rp_id_hash, std::string(32, 'h'));
  EXPECT_TRUE(d.Up());
  EXPECT_TRUE(d.Uv());
  EXPECT_TRUE(d.Be());
  EXPECT_FALSE(d.Bs());
  EXPECT_EQ(d.sign_count, 0x01020304u);
  ASSERT_TRUE(d.attested);
  EXPECT_EQ(d.attested->aaguid, std::string(16, 'a'));
  EXPECT_EQ(d.attested->credential_id, "cred");
  EXPECT_EQ(d.attested->public_key, key);
  EXPECT_EQ(d.extensions, "");
}

TEST(ParseAuthenticatorData, AnAssertionsIs37BytesAndExtensionsAreKept) {
  auto d = ParseAuthenticatorData(AuthData(kFlagUp, ""));
  EXPECT_FALSE(d.attested);
  EXPECT_EQ(d.sign_count, 7u);
  const std::string ext = "\xa1" + Tstr("credProps") + "\xf5";
  auto e = ParseAuthenticatorData(AuthData(kFlagUp | kFlagEd, ext));
  EXPECT_EQ(e.extensions, ext);
}

TEST(ParseAuthenticatorData, MalformedInputIsAParseError) {
  const std::string key = Es256Key();
  EXPECT_THROW(ParseAuthenticatorData(""), ParseError);
  EXPECT_THROW(ParseAuthenticatorData(std::string(36, 'h')), ParseError);              // short
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp, "x")), ParseError);             // trailing byte
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, "")), ParseError);    // AT without data
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested("cred", ""))), ParseError);
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested("", key))), ParseError);  // empty id
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested(std::string(1024, 'c'), key))),
               ParseError);                                                               // id > 1023
  EXPECT_NO_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested(std::string(1023, 'c'), key))));
  std::string truncated = Attested("cred", key);
  truncated.resize(16 + 2 + 2);  // the id length says 4, two bytes follow
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, truncated)), ParseError);
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested("cred", key.substr(0, 20)))), ParseError);
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagAt, Attested("cred", key) + "z")), ParseError);
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagEd, "")), ParseError);    // ED without map
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagEd, "\x01")), ParseError);  // not a map
  EXPECT_THROW(ParseAuthenticatorData(AuthData(kFlagUp | kFlagEd, "\xa1\x01")), ParseError);  // cut map
}

TEST(ParseCoseKey, ReadsEs256EddsaAndRs256Keys) {
  CoseKey ec = ParseCoseKey(Es256Key());
  EXPECT_EQ(ec.kty, 2);
  EXPECT_EQ(ec.alg, -7);
  EXPECT_EQ(ec.crv, 1);
  EXPECT_EQ(ec.x, std::string(32, 'x'));
  EXPECT_EQ(ec.y, std::string(32, 'y'));
  CoseKey ed = ParseCoseKey("\xa4\x01\x01\x03\x27\x20\x06\x21" + Bstr(std::string(32, 'e')));
  EXPECT_EQ(ed.kty, 1);
  EXPECT_EQ(ed.alg, -8);
  EXPECT_EQ(ed.crv, 6);
  EXPECT_EQ(ed.x, std::string(32, 'e'));
  CoseKey rsa = ParseCoseKey("\xa4\x01\x03\x03\x39\x01\x00\x20"s + Bstr(std::string(256, 'n')) + "\x21" +
                             Bstr(std::string("\x01\x00\x01", 3)));
  EXPECT_EQ(rsa.kty, 3);
  EXPECT_EQ(rsa.alg, -257);
  EXPECT_EQ(rsa.n, std::string(256, 'n'));
  EXPECT_EQ(rsa.e, std::string("\x01\x00\x01", 3));
}

TEST(ParseCoseKey, MalformedKeysAreParseErrors) {
  EXPECT_THROW(ParseCoseKey(""), ParseError);
  EXPECT_THROW(ParseCoseKey("\x80"), ParseError);                      // an array
  EXPECT_THROW(ParseCoseKey(Es256Key() + "\x00"s), ParseError);         // trailing
  EXPECT_THROW(ParseCoseKey("\xa1\x03\x26"), ParseError);              // no kty
  EXPECT_THROW(ParseCoseKey("\xa2\x01\x02\x03\x26"), ParseError);      // EC2 without x, y
  EXPECT_THROW(ParseCoseKey("\xa2\x01\x04\x03\x26"), ParseError);      // kty 4 (symmetric)
  EXPECT_THROW(ParseCoseKey("\xa2\x01\x61z\x03\x26"), ParseError);     // kty a text string
  EXPECT_THROW(ParseCoseKey("\xa2\x01\x1b\xff\xff\xff\xff\xff\xff\xff\xff\x03\x26"), ParseError);  // > int64
  EXPECT_THROW(ParseCoseKey("\xbf\x01\x02\xff"), ParseError);          // indefinite map
}

std::string NoneObject(const std::string& auth_data) {
  return "\xa3" + Tstr("fmt") + Tstr("none") + Tstr("attStmt") + "\xa0" + Tstr("authData") + Bstr(auth_data);
}

TEST(ParseAttestationObject, ReadsNoneAndPackedSelfAndX5c) {
  const std::string ad = AuthData(kFlagUp | kFlagAt, Attested("cred", Es256Key()));
  auto none = ParseAttestationObject(NoneObject(ad));
  EXPECT_EQ(none.fmt, "none");
  EXPECT_EQ(none.auth_data, ad);
  EXPECT_FALSE(none.alg);
  const std::string self = "\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa2" + Tstr("alg") + "\x26" +
                           Tstr("sig") + Bstr("signature") + Tstr("authData") + Bstr(ad);
  auto packed = ParseAttestationObject(self);
  EXPECT_EQ(packed.fmt, "packed");
  EXPECT_EQ(packed.alg, -7);
  EXPECT_EQ(packed.sig, "signature");
  EXPECT_EQ(packed.x5c_leaf, "");
  const std::string x5c = "\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa3" + Tstr("alg") + "\x26" +
                          Tstr("sig") + Bstr("signature") + Tstr("x5c") + "\x82" + Bstr("leaf-der") +
                          Bstr("ca-der") + Tstr("authData") + Bstr(ad);
  EXPECT_EQ(ParseAttestationObject(x5c).x5c_leaf, "leaf-der");
}

TEST(ParseAttestationObject, MalformedObjectsAreParseErrors) {
  const std::string ad = AuthData(kFlagUp | kFlagAt, Attested("cred", Es256Key()));
  EXPECT_THROW(ParseAttestationObject(""), ParseError);
  EXPECT_THROW(ParseAttestationObject("\xff"), ParseError);
  EXPECT_THROW(ParseAttestationObject(NoneObject(ad).substr(0, 30)), ParseError);     // cut
  EXPECT_THROW(ParseAttestationObject(NoneObject(ad) + "\x00"s), ParseError);          // trailing
  EXPECT_THROW(ParseAttestationObject("\xa1" + Tstr("fmt") + Tstr("none")), ParseError);  // no authData
  EXPECT_THROW(ParseAttestationObject("\xa3" + Tstr("fmt") + "\x01" + Tstr("attStmt") + "\xa0" + Tstr("authData") +
                                      Bstr(ad)), ParseError);                         // fmt not text
  EXPECT_THROW(ParseAttestationObject("\xa3" + Tstr("fmt") + Tstr("none") + Tstr("attStmt") + "\xa1" + Tstr("sig") +
                                      Bstr("s") + Tstr("authData") + Bstr(ad)), ParseError);  // none with a stmt
  EXPECT_THROW(ParseAttestationObject("\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa0" +
                                      Tstr("authData") + Bstr(ad)), ParseError);      // packed without sig
  EXPECT_THROW(ParseAttestationObject("\xa3" + Tstr("fmt") + Tstr("packed") + Tstr("attStmt") + "\xa3" + Tstr("alg") +
                                      "\x26" + Tstr("sig") + Bstr("s") + Tstr("x5c") + "\x80" + Tstr("authData") +
                                      Bstr(ad)), ParseError);                         // empty x5c
  EXPECT_THROW(ParseAttestationObject("\xa3" + Tstr("fmt") + Tstr("none") + Tstr("attStmt") + "\xa0" +
                                      Tstr("authData") + Tstr("text")), ParseError);  // authData not bytes
}

TEST(ParseClientData, ReadsTheCheckedMembers) {
  auto c = ParseClientData(R"({"type":"webauthn.get","challenge":"abc","origin":"https://x.io","crossOrigin":false,"other":1})");
  EXPECT_EQ(c.type, "webauthn.get");
  EXPECT_EQ(c.challenge, "abc");
  EXPECT_EQ(c.origin, "https://x.io");
  EXPECT_FALSE(c.cross_origin);
  EXPECT_TRUE(ParseClientData(R"({"type":"t","challenge":"c","origin":"o","crossOrigin":true})").cross_origin);
}

TEST(ParseClientData, MalformedJsonIsAParseError) {
  EXPECT_THROW(ParseClientData(""), ParseError);
  EXPECT_THROW(ParseClientData("{"), ParseError);
  EXPECT_THROW(ParseClientData("[]"), ParseError);
  EXPECT_THROW(ParseClientData(R"({"type":"t","challenge":"c"})"), ParseError);
  EXPECT_THROW(ParseClientData(R"({"type":"t","challenge":1,"origin":"o"})"), ParseError);
  EXPECT_THROW(ParseClientData(R"({"type":"t","challenge":"c","origin":"o","crossOrigin":"no"})"), ParseError);
}

TEST(DecodeBase64Url, DecodesUnpaddedAndRefusesTheRest) {
  EXPECT_EQ(DecodeBase64Url("aGk", "rawId"), "hi");
  EXPECT_EQ(DecodeBase64Url("-_8", "rawId"), "\xfb\xff");
  EXPECT_EQ(DecodeBase64Url("", "rawId"), "");
  EXPECT_THROW(DecodeBase64Url("aGk=", "rawId"), ParseError);
  EXPECT_THROW(DecodeBase64Url("a+/k", "rawId"), ParseError);
  EXPECT_THROW(DecodeBase64Url("a Gk", "rawId"), ParseError);
  try {
    DecodeBase64Url("!!", "clientDataJSON");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(std::string(e.what()), "clientDataJSON: not base64url");
  }
}

// A head declaring more entries than bytes remain is refused before libcbor allocates them
// (a map of 2^31 pairs asked libcbor for 35 GB: tests/fuzz/passkey_parsers).
TEST(PasskeyParse, DeclaredLengthsBeyondTheInputAreRefusedBeforeAllocation) {
  EXPECT_THROW(ParseAttestationObject(std::string("\xba\x80\x00\x00\x00", 5)), ParseError);       // map
  EXPECT_THROW(ParseAttestationObject(std::string("\xa1\x63""fmt\x9a\x10\x00\x00\x00", 10)), ParseError);  // array
  EXPECT_THROW(ParseCoseKey(std::string("\xa1\x01\x5a\xff\xff\xff\xff", 7)), ParseError);         // byte string
  EXPECT_THROW(ParseCoseKey(std::string("\xa2\x01\x02", 3)), ParseError);  // 2 pairs, 2 bytes left
}

}  // namespace
}  // namespace dfauth::passkey
