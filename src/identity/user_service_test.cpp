#include "identity/user_service.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "crypto/password.hpp"
#include "store/testing.hpp"

namespace dfauth::identity {
namespace {

class UserServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = store::testing::OpenSqliteFile(tmp_.File("db.sqlite3"), 2);
    store::User alice;
    alice.username = "alice";
    alice.email = "alice@x.io";
    alice.phone_number = "+14155550123";
    alice.date_joined = 1;
    db_->Users().CreateUser(alice);
    users_ = std::make_unique<UserService>(settings_, *db_, &db_->Devices(), [] { return 1'700'000'000; });
  }

  /// The error `Register(input)` throws (failing the test when it throws nothing).
  ApiError Refusal(const FieldValues& input, bool* duplicate) {
    try {
      users_->Register(input, std::nullopt);
    } catch (const DuplicateIdentityError& e) {
      *duplicate = true;
      return e;
    } catch (const ApiError& e) {
      *duplicate = false;
      return e;
    }
    ADD_FAILURE() << "no error";
    return ApiError(0, "none", "");
  }

  store::testing::TempDir tmp_;
  config::Settings settings_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<UserService> users_;
};

TEST_F(UserServiceTest, TakenIdentitiesAreADuplicateByType) {
  bool duplicate = false;
  ApiError e = Refusal({{"username", "alice"}, {"email", "alice@X.IO"}, {"phone_number", "+1 415 555 0123"}}, &duplicate);
  EXPECT_TRUE(duplicate);
  EXPECT_EQ(e.Status(), 400);
  ASSERT_EQ(e.Entries().size(), 3u);
  EXPECT_EQ(e.Entries()[0].code, "invalid");
  EXPECT_EQ(e.Entries()[0].message, "A user with that username already exists.");
  EXPECT_EQ(e.Entries()[0].field, "username");
  EXPECT_EQ(e.Entries()[1].message, "User with this email already exists.");
  EXPECT_EQ(e.Entries()[1].field, "email");
  EXPECT_EQ(e.Entries()[2].message, "User with this phone number already exists.");
  EXPECT_EQ(e.Entries()[2].field, "phone_number");
}

TEST_F(UserServiceTest, ADuplicateBesideAnotherFaultIsAPlainError) {
  bool duplicate = true;
  ApiError e = Refusal({{"email", "alice@x.io"}, {"password", "123"}}, &duplicate);
  EXPECT_FALSE(duplicate);
  ASSERT_EQ(e.Entries().size(), 2u);
  EXPECT_EQ(e.Entries()[0].message, "This password is too short. It must contain at least 8 characters.");
  EXPECT_EQ(e.Entries()[0].field, "password");
  EXPECT_EQ(e.Entries()[1].message, "User with this email already exists.");
  EXPECT_EQ(e.Entries()[1].field, "email");
}

TEST_F(UserServiceTest, OtherFaultsAreNoDuplicate) {
  bool duplicate = true;
  ApiError e = Refusal({{"email", "bob@x.io"}, {"first_name", std::string(151, 'a')}}, &duplicate);
  EXPECT_FALSE(duplicate);
  EXPECT_EQ(e.Entries().front().message, "Ensure this field has no more than 150 characters.");
  e = Refusal({{"first_name", "Bob"}}, &duplicate);
  EXPECT_FALSE(duplicate);
  EXPECT_EQ(e.Entries().front().message, "At least one of username, email, phone_number is required.");
}

TEST_F(UserServiceTest, ATakenDerivedUsernameIsADuplicate) {
  store::User squatter;
  squatter.username = "bob@x.io";
  squatter.date_joined = 1;
  db_->Users().CreateUser(squatter);
  bool duplicate = false;
  ApiError e = Refusal({{"email", "bob@x.io"}}, &duplicate);
  EXPECT_TRUE(duplicate);
  ASSERT_EQ(e.Entries().size(), 1u);
  EXPECT_EQ(e.Entries()[0].message, "A user with that username already exists.");
  EXPECT_EQ(e.Entries()[0].field, "username");
}

TEST_F(UserServiceTest, CreateSuperuserIsStaffWithTheEmailNormalisedAndThePasswordHashed) {
  settings_.argon2_memory_kib = 64;  // the test's hash, not the production cost
  settings_.argon2_time_cost = 1;
  store::User root = users_->CreateSuperuser({{"username", "root"}, {"email", "Root@Example.COM"}, {"password", "a long pass phrase"}});
  EXPECT_TRUE(root.is_staff);
  EXPECT_TRUE(root.is_superuser);
  EXPECT_EQ(root.email, std::optional<std::string>("Root@example.com"));  // Django: the domain lower-cased
  EXPECT_EQ(root.date_joined, 1'700'000'000);
  auto stored = db_->Users().FindUserById(root.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->is_staff);
  EXPECT_EQ(stored->password_hash.rfind("$argon2id$", 0), 0u) << stored->password_hash;
  EXPECT_TRUE(crypto::VerifyPassword("a long pass phrase", stored->password_hash, {64, 1}).ok);
  EXPECT_TRUE(db_->Devices().ListDevices(root.id).empty());
  // Without --password-stdin: no usable password.
  EXPECT_EQ(users_->CreateSuperuser({{"username", "nopass"}}).password_hash, "");
}

TEST_F(UserServiceTest, CreateSuperuserRefusesWhatSignUpRefuses) {
  auto refusal = [&](const FieldValues& input) -> std::pair<std::string, std::string> {
    try {
      users_->CreateSuperuser(input);
    } catch (const ApiError& e) {
      return {e.Entries().front().field.value_or(""), e.Entries().front().message};
    }
    return {"", "no error"};
  };
  EXPECT_EQ(refusal({{"username", "alice"}}), std::make_pair(std::string("username"), std::string("A user with that username already exists.")));
  EXPECT_EQ(refusal({{"username", "bob"}, {"email", "ALICE@x.io"}}),
            std::make_pair(std::string("email"), std::string("User with this email already exists.")));
  EXPECT_EQ(refusal({{"username", "bob"}, {"password", "short"}}).first, "password");
  EXPECT_EQ(refusal({{"username", ""}}), std::make_pair(std::string("username"), std::string("This field is required.")));
}

// ASVS 3.3.3: a password change ends every other session of the user, and only those.
TEST_F(UserServiceTest, SetPasswordRevokesTheOtherSessions) {
  store::User root = users_->CreateSuperuser({{"username", "root"}, {"password", "a long pass phrase"}});
  store::User bob = users_->CreateSuperuser({{"username", "bob"}, {"password", "a long pass phrase"}});
  for (const auto& [id, user] : {std::pair{"here", root.id}, {"there", root.id}, {"elsewhere", root.id}, {"bobs", bob.id}}) {
    store::Session s;
    s.id = id;
    s.user_id = user;
    s.created_at = s.last_used_at = 1'699'999'000;
    s.expires_at = 1'800'000'000;
    s.method = "password";
    db_->Sessions().Create(s);
  }
  users_->SetPassword(root, "a long pass phrase", "another long phrase", "here");
  EXPECT_FALSE(db_->Sessions().Find("here")->revoked_at);
  EXPECT_EQ(db_->Sessions().Find("there")->revoked_at, 1'700'000'000);
  EXPECT_EQ(db_->Sessions().Find("elsewhere")->revoked_at, 1'700'000'000);
  EXPECT_FALSE(db_->Sessions().Find("bobs")->revoked_at);
  EXPECT_EQ(db_->Users().FindUserById(root.id)->tokens_valid_after, 1'700'000'001);
}

}  // namespace
}  // namespace dfauth::identity
