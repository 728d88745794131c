#include "crypto/password.hpp"

#include <gtest/gtest.h>

namespace dfauth::crypto {
namespace {

const Argon2Params kFast{8, 1};

// Computed with Python: base64(hashlib.pbkdf2_hmac('sha256', b'correct horse', b'saltsalt1234',
// 260000)).
constexpr char kDjangoHash[] =
    "pbkdf2_sha256$260000$saltsalt1234$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=";

TEST(Password, DjangoPbkdf2HashVerifiesAndAsksForUpgrade) {
  VerifyResult r = VerifyPassword("correct horse", kDjangoHash, kFast);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.needs_upgrade);
}

TEST(Password, DjangoPbkdf2WrongPasswordFails) {
  VerifyResult r = VerifyPassword("correct horsE", kDjangoHash, kFast);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.needs_upgrade);
}

TEST(Password, Argon2idRoundTripWithSmallParams) {
  std::string hash = HashPassword("pässwörd with spaces", kFast);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$")) << hash;
  VerifyResult r = VerifyPassword("pässwörd with spaces", hash, kFast);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.needs_upgrade);
  EXPECT_FALSE(VerifyPassword("pässwörd with space", hash, kFast).ok);
  EXPECT_FALSE(VerifyPassword("", hash, kFast).ok);
}

TEST(Password, Argon2idUsesFreshSalt) {
  EXPECT_NE(HashPassword("same", kFast), HashPassword("same", kFast));
}

TEST(Password, Argon2idRoundTripWithDefaultParams) {
  Argon2Params defaults;
  std::string hash = HashPassword("correct horse battery staple", defaults);
  EXPECT_TRUE(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << hash;
  VerifyResult r = VerifyPassword("correct horse battery staple", hash, defaults);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.needs_upgrade);
}

TEST(Password, NeedsUpgradeWhenSettingsRise) {
  std::string hash = HashPassword("pw", kFast);
  EXPECT_TRUE(VerifyPassword("pw", hash, Argon2Params{16, 1}).needs_upgrade);
  EXPECT_TRUE(VerifyPassword("pw", hash, Argon2Params{8, 2}).needs_upgrade);
  // Lower settings never downgrade a stronger stored hash.
  std::string strong = HashPassword("pw", Argon2Params{16, 2});
  VerifyResult r = VerifyPassword("pw", strong, kFast);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.needs_upgrade);
}

TEST(Password, WrongPasswordNeverAsksForUpgrade) {
  std::string hash = HashPassword("pw", kFast);
  VerifyResult r = VerifyPassword("other", hash, Argon2Params{16, 3});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.needs_upgrade);
}

TEST(Password, EmptyAndUnusableHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "", kFast).ok);
  EXPECT_FALSE(VerifyPassword("x", "", kFast).ok);
  EXPECT_FALSE(VerifyPassword("x", "!", kFast).ok);
  EXPECT_FALSE(VerifyPassword("x", "!QmFzZTY0IHVudXNhYmxl", kFast).ok);
}

TEST(Password, MalformedStringsFailWithoutCrashing) {
  const char* cases[] = {
      "pbkdf2_sha256$",
      "pbkdf2_sha256$$$",
      "pbkdf2_sha256$abc$salt$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=",
      "pbkdf2_sha256$0$saltsalt1234$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=",
      "pbkdf2_sha256$-5$saltsalt1234$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=",
      "pbkdf2_sha256$99999999999$saltsalt1234$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=",
      "pbkdf2_sha256$260000$$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=",
      "pbkdf2_sha256$260000$saltsalt1234$not base64!",
      "pbkdf2_sha256$260000$saltsalt1234$c2hvcnQ=",
      "pbkdf2_sha256$260000$saltsalt1234$9ymLdlJE6ce2aM+rgFsqrpRHjeEpjwljyIltxA6vTnw=$extra",
      "$argon2id$",
      "$argon2id$v=19$m=8,t=1,p=1$",
      "$argon2id$v=19$m=8,t=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2id$v=19$m=8,t=0,p=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2id$v=16$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2d$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
      "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
      "argon2$argon2id$garbage",
      "md5$abc$def",
      "plaintext",
  };
  for (const char* stored : cases) {
    VerifyResult r = VerifyPassword("correct horse", stored, kFast);
    EXPECT_FALSE(r.ok) << stored;
    EXPECT_FALSE(r.needs_upgrade) << stored;
  }
}

TEST(Password, DjangoArgon2WrapperVerifiesAndAsksForUpgrade) {
  std::string phc = HashPassword("pw", kFast);
  VerifyResult r = VerifyPassword("pw", "argon2" + phc, kFast);
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.needs_upgrade);
}

TEST(Password, HashPasswordRejectsParamsOutOfRange) {
  EXPECT_THROW(HashPassword("pw", Argon2Params{1, 1}), std::runtime_error);
  EXPECT_THROW(HashPassword("pw", Argon2Params{8, 0}), std::runtime_error);
}

TEST(Password, BurnVerifyTimeReturns) {
  BurnVerifyTime(kFast);
  BurnVerifyTime(Argon2Params{0, 0});  // invalid params are swallowed, not thrown
  SUCCEED();
}

}  // namespace
}  // namespace dfauth::crypto
