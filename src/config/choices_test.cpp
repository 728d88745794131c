// The enums of config/choices.hpp and the keys the loader parses into them.
#include "config/choices.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config/temp_file_test_support.hpp"

namespace dfauth::config {
namespace {

using test_support::TempFile;

using Env = std::map<std::string, std::string>;

TEST(Choices, NamesAreTheDocumentedSpellingsInOrder) {
  EXPECT_EQ(Name(JwtProfile::kSliding), "sliding");
  EXPECT_EQ(Name(JwtProfile::kPair), "pair");
  EXPECT_EQ(Names(std::vector<AuthBackend>{AuthBackend::kSmsOtp, AuthBackend::kEmailOtp,
                                           AuthBackend::kPassword, AuthBackend::kTestEmail}),
            (std::vector<std::string>{"sms_otp", "email_otp", "password", "test_email"}));
  EXPECT_EQ(Names(std::vector<DeviceType>{DeviceType::kEmail, DeviceType::kTotp, DeviceType::kSms,
                                          DeviceType::kStatic}),
            (std::vector<std::string>{"email", "totp", "sms", "static"}));
  EXPECT_EQ(JoinedNames(std::vector<IdentityField>{IdentityField::kUsername, IdentityField::kEmail,
                                                   IdentityField::kPhoneNumber}),
            "username, email, phone_number");
  EXPECT_EQ(NamesOf(AuthBackend{}).size(), 4u);
  EXPECT_EQ(NamesOf(DeviceType{}).size(), 4u);
  EXPECT_EQ(NamesOf(IdentityField{}).size(), 3u);
}

TEST(Choices, ParseTakesExactNamesOnly) {
  EXPECT_EQ(Parse<JwtProfile>("pair"), JwtProfile::kPair);
  EXPECT_EQ(Parse<JwtProfile>("sliding"), JwtProfile::kSliding);
  EXPECT_EQ(Parse<JwtProfile>("Pair"), std::nullopt);
  EXPECT_EQ(Parse<AuthBackend>("test_email"), AuthBackend::kTestEmail);
  EXPECT_EQ(Parse<AuthBackend>("sms_otp"), AuthBackend::kSmsOtp);
  EXPECT_EQ(Parse<AuthBackend>("sms"), std::nullopt);
  EXPECT_EQ(Parse<DeviceType>("static"), DeviceType::kStatic);
  EXPECT_EQ(Parse<DeviceType>("totp"), DeviceType::kTotp);
  EXPECT_EQ(Parse<DeviceType>(" email"), std::nullopt);
  EXPECT_EQ(Parse<IdentityField>("phone_number"), IdentityField::kPhoneNumber);
  EXPECT_EQ(Parse<IdentityField>("phone"), std::nullopt);
  EXPECT_EQ(Parse<IdentityField>(""), std::nullopt);
  EXPECT_TRUE(Includes(std::vector<DeviceType>{DeviceType::kSms}, DeviceType::kSms));
  EXPECT_FALSE(Includes(std::vector<DeviceType>{DeviceType::kSms}, DeviceType::kEmail));
}

std::string LineOf(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(key + " = ")) return line;
  }
  return "<missing>";
}

// The message of the ConfigError that loading throws, or "<no error>".
std::string ErrorText(const std::optional<std::string>& path, const Env& env) {
  try {
    LoadSettings(path, env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string EnvError(const std::string& key, const std::string& value) {
  return ErrorText(std::nullopt, {{"DF_AUTH_" + key, value}});
}

TEST(LoadSettings, EnumKeysParseEveryDocumentedName) {
  auto load = [](const std::string& key, const std::string& value) {
    return LoadSettings(std::nullopt, {{"DF_AUTH_" + key, value}});
  };
  EXPECT_EQ(load("JWT_PROFILE", "sliding").jwt_profile, JwtProfile::kSliding);
  EXPECT_EQ(load("JWT_PROFILE", "pair").jwt_profile, JwtProfile::kPair);
  EXPECT_EQ(load("AUTHENTICATION_BACKENDS", "test_email,password,email_otp,sms_otp")
                .authentication_backends,
            (std::vector<AuthBackend>{AuthBackend::kTestEmail, AuthBackend::kPassword,
                                      AuthBackend::kEmailOtp, AuthBackend::kSmsOtp}));
  EXPECT_EQ(load("AUTHENTICATION_BACKENDS", "").authentication_backends,
            std::vector<AuthBackend>{});
  EXPECT_EQ(load("OTP_DEVICE_TYPES", "static,sms,totp,email").otp_device_types,
            (std::vector<DeviceType>{DeviceType::kStatic, DeviceType::kSms, DeviceType::kTotp,
                                     DeviceType::kEmail}));
  EXPECT_EQ(load("USER_IDENTITY_FIELDS", "phone_number,email,username").user_identity_fields,
            (std::vector<IdentityField>{IdentityField::kPhoneNumber, IdentityField::kEmail,
                                        IdentityField::kUsername}));
  TempFile file("JWT_PROFILE = \"pair\"\nOTP_DEVICE_TYPES = [\"totp\"]\n");
  Settings s = LoadSettings(file.Path(), {});
  EXPECT_EQ(s.jwt_profile, JwtProfile::kPair);
  EXPECT_EQ(s.otp_device_types, std::vector<DeviceType>{DeviceType::kTotp});
}

TEST(LoadSettings, EnumKeysRefuseOtherNamesWithTheChoices) {
  const std::string env = " (from environment variable DF_AUTH_";
  EXPECT_EQ(EnvError("JWT_PROFILE", "Sliding"),
            "JWT_PROFILE: \"Sliding\" is not one of sliding, pair" + env + "JWT_PROFILE)");
  EXPECT_EQ(EnvError("AUTHENTICATION_BACKENDS", "password,ldap"),
            "AUTHENTICATION_BACKENDS: \"ldap\" is not one of sms_otp, email_otp, password, "
            "test_email" + env + "AUTHENTICATION_BACKENDS)");
  EXPECT_EQ(EnvError("AUTHENTICATION_BACKENDS", "password,password"),
            "AUTHENTICATION_BACKENDS: \"password\" is listed twice" + env +
                "AUTHENTICATION_BACKENDS)");
  EXPECT_EQ(EnvError("OTP_DEVICE_TYPES", "email,yubikey"),
            "OTP_DEVICE_TYPES: \"yubikey\" is not one of email, totp, sms, static" + env +
                "OTP_DEVICE_TYPES)");
  EXPECT_EQ(EnvError("OTP_DEVICE_TYPES", "sms,sms"),
            "OTP_DEVICE_TYPES: \"sms\" is listed twice" + env + "OTP_DEVICE_TYPES)");
  EXPECT_EQ(EnvError("USER_IDENTITY_FIELDS", "nickname"),
            "USER_IDENTITY_FIELDS: \"nickname\" is not one of username, email, phone_number" +
                env + "USER_IDENTITY_FIELDS)");
  EXPECT_EQ(EnvError("USER_IDENTITY_FIELDS", ""),
            "USER_IDENTITY_FIELDS: needs at least one of username, email, phone_number" + env +
                "USER_IDENTITY_FIELDS)");
  // Wrong TOML types say what was expected, as for string keys.
  TempFile file("JWT_PROFILE = 1\n");
  EXPECT_EQ(ErrorText(file.Path(), {}),
            "JWT_PROFILE: expected a string, got an integer (in \"" + file.Path() + "\")");
  TempFile list("OTP_DEVICE_TYPES = \"email\"\n");
  EXPECT_EQ(ErrorText(list.Path(), {}), "OTP_DEVICE_TYPES: expected a list of strings, got a "
                                        "string (in \"" + list.Path() + "\")");
}

TEST(LoadSettings, AnEnumValueRefusedInTheFileCanBeReplacedByTheEnvironment) {
  TempFile file("JWT_PROFILE = \"rotating\"\nLISTEN = \"nowhere\"\n");
  Settings s = LoadSettings(file.Path(), {{"DF_AUTH_JWT_PROFILE", "pair"},
                                          {"DF_AUTH_LISTEN", "127.0.0.1:1"}});
  EXPECT_EQ(s.jwt_profile, JwtProfile::kPair);
  // Errors come in key order, whichever source held them: LISTEN before JWT_PROFILE.
  EXPECT_EQ(ErrorText(file.Path(), {}).substr(0, 7), "LISTEN:");
  EXPECT_EQ(ErrorText(file.Path(), {{"DF_AUTH_LISTEN", "127.0.0.1:1"}}),
            "JWT_PROFILE: \"rotating\" is not one of sliding, pair (in \"" + file.Path() + "\")");
}

TEST(FormatEffective, EnumKeysPrintTheirNames) {
  Settings s;
  s.jwt_profile = JwtProfile::kPair;
  s.authentication_backends = {AuthBackend::kTestEmail, AuthBackend::kEmailOtp};
  s.otp_device_types = {DeviceType::kStatic};
  s.user_identity_fields = {IdentityField::kPhoneNumber};
  const std::string text = FormatEffective(s);
  EXPECT_EQ(LineOf(text, "JWT_PROFILE"), "JWT_PROFILE = \"pair\"");
  EXPECT_EQ(LineOf(text, "AUTHENTICATION_BACKENDS"),
            "AUTHENTICATION_BACKENDS = [\"test_email\", \"email_otp\"]");
  EXPECT_EQ(LineOf(text, "OTP_DEVICE_TYPES"), "OTP_DEVICE_TYPES = [\"static\"]");
  EXPECT_EQ(LineOf(text, "USER_IDENTITY_FIELDS"), "USER_IDENTITY_FIELDS = [\"phone_number\"]");
  EXPECT_EQ(LineOf(FormatEffective(Settings{}), "JWT_PROFILE"), "JWT_PROFILE = \"sliding\"");
}

}  // namespace
}  // namespace dfauth::config
