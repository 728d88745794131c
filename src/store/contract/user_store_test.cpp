#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store/contract/backend.hpp"
#include "store/errors.hpp"

namespace dfauth::store {
namespace {

User MakeUser(std::string username, std::optional<std::string> email = std::nullopt,
              std::optional<std::string> phone = std::nullopt) {
  User user;
  user.username = std::move(username);
  user.email = std::move(email);
  user.phone_number = std::move(phone);
  user.date_joined = 1700000000;
  return user;
}

RefreshTokenRecord Refresh(std::string jti, std::string family, int64_t user_id,
                           std::string access_jti, int64_t expires_at = 2000) {
  return {std::move(jti), std::move(family), user_id, std::move(access_jti), 1000, expires_at};
}

class UserStoreTest : public contract::BackendTest {};

TEST_P(UserStoreTest, CreateAndFindUsers) {
  User user = MakeUser("alice", "foo@example.com", "+14155550100");
  user.first_name = "Alice";
  user.last_name = "Liddell";
  user.password_hash = "argon2$hash";
  user.is_staff = true;
  user.two_fa_required = true;
  user.last_login = 1700000100;
  user.extra_json = R"({"nick":"al"})";
  user.tokens_valid_after = 5;
  user.is_registering = true;
  int64_t id = Db().Users().CreateUser(user);
  EXPECT_EQ(id, 1);

  auto found = Db().Users().FindUserById(id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(found->email, "foo@example.com");
  EXPECT_EQ(found->phone_number, "+14155550100");
  EXPECT_EQ(found->first_name, "Alice");
  EXPECT_EQ(found->last_name, "Liddell");
  EXPECT_EQ(found->password_hash, "argon2$hash");
  EXPECT_TRUE(found->is_active);
  EXPECT_TRUE(found->is_staff);
  EXPECT_FALSE(found->is_superuser);
  EXPECT_TRUE(found->two_fa_required);
  EXPECT_EQ(found->date_joined, 1700000000);
  EXPECT_EQ(found->last_login, 1700000100);
  EXPECT_EQ(found->extra_json, R"({"nick":"al"})");
  EXPECT_EQ(found->tokens_valid_after, 5);
  EXPECT_EQ(found->invited_by, std::nullopt);
  EXPECT_TRUE(found->is_registering);

  EXPECT_EQ(Db().Users().FindUserByUsername("alice")->id, id);
  EXPECT_FALSE(Db().Users().FindUserByUsername("Alice"));  // usernames are case-sensitive
  EXPECT_EQ(Db().Users().FindUserByEmail("Foo@Example.com")->id, id);
  EXPECT_EQ(Db().Users().FindUserByEmail("foo@example.com")->email, "foo@example.com");
  EXPECT_FALSE(Db().Users().FindUserByEmail("foo@example.org"));
  EXPECT_FALSE(Db().Users().FindUserByEmail(""));
  EXPECT_EQ(Db().Users().FindUserByPhone("+14155550100")->id, id);
  EXPECT_FALSE(Db().Users().FindUserByPhone("+14155550101"));
  EXPECT_FALSE(Db().Users().FindUserById(99));

  User bob = MakeUser("bob");
  bob.invited_by = id;
  int64_t bob_id = Db().Users().CreateUser(bob);
  auto bob_found = Db().Users().FindUserById(bob_id);
  EXPECT_EQ(bob_found->email, std::nullopt);
  EXPECT_EQ(bob_found->phone_number, std::nullopt);
  EXPECT_EQ(bob_found->last_login, std::nullopt);
  EXPECT_EQ(bob_found->invited_by, id);
  EXPECT_EQ(bob_found->extra_json, "{}");

  EXPECT_EQ(Db().Users().CountUsers(), 2);
  auto users = Db().Users().ListUsers(0, 10);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].username, "alice");
  EXPECT_EQ(users[1].username, "bob");
  auto page = Db().Users().ListUsers(1, 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].username, "bob");
}

std::string DuplicateFieldOf(UserStore& store, const User& user) {
  try {
    store.CreateUser(user);
  } catch (const DuplicateError& e) {
    return e.Field();
  }
  return "<no error>";
}

TEST_P(UserStoreTest, DuplicatesNameTheirField) {
  Db().Users().CreateUser(MakeUser("alice", "foo@example.com", "+14155550100"));
  EXPECT_EQ(DuplicateFieldOf(Db().Users(), MakeUser("alice")), "username");
  EXPECT_EQ(DuplicateFieldOf(Db().Users(), MakeUser("a2", "foo@example.com")), "email");
  EXPECT_EQ(DuplicateFieldOf(Db().Users(), MakeUser("a3", "FOO@Example.COM")), "email");
  EXPECT_EQ(DuplicateFieldOf(Db().Users(), MakeUser("a4", std::nullopt, "+14155550100")),
            "phone_number");
  // Usernames differing in case, and absent emails/phones, do not collide.
  EXPECT_NO_THROW(Db().Users().CreateUser(MakeUser("Alice")));
  EXPECT_NO_THROW(Db().Users().CreateUser(MakeUser("nobody1")));
  EXPECT_NO_THROW(Db().Users().CreateUser(MakeUser("nobody2")));
  EXPECT_EQ(Db().Users().CountUsers(), 4);

  // UpdateUser checks the same constraints.
  User other = *Db().Users().FindUserByUsername("nobody1");
  other.email = "Foo@example.com";
  try {
    Db().Users().UpdateUser(other);
    FAIL() << "expected DuplicateError";
  } catch (const DuplicateError& e) {
    EXPECT_EQ(e.Field(), "email");
  }
}

TEST_P(UserStoreTest, UpdateUserReplacesEveryColumn) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice", "a@example.com", "+14155550100"));
  User user = *Db().Users().FindUserById(id);
  user.username = "alice2";
  user.email = "New@Example.com";
  user.phone_number = std::nullopt;
  user.first_name = "A";
  user.is_active = false;
  user.is_superuser = true;
  user.last_login = 42;
  user.extra_json = R"({"x":1})";
  Db().Users().UpdateUser(user);

  auto found = Db().Users().FindUserById(id);
  EXPECT_EQ(found->username, "alice2");
  EXPECT_EQ(found->email, "New@Example.com");
  EXPECT_EQ(found->phone_number, std::nullopt);
  EXPECT_EQ(found->first_name, "A");
  EXPECT_FALSE(found->is_active);
  EXPECT_TRUE(found->is_superuser);
  EXPECT_EQ(found->last_login, 42);
  EXPECT_EQ(found->extra_json, R"({"x":1})");
  EXPECT_FALSE(Db().Users().FindUserByEmail("a@example.com"));
  EXPECT_EQ(Db().Users().FindUserByEmail("new@example.com")->id, id);
  EXPECT_FALSE(Db().Users().FindUserByPhone("+14155550100"));
  // The freed phone number can be taken by someone else.
  EXPECT_NO_THROW(Db().Users().CreateUser(MakeUser("bob", std::nullopt, "+14155550100")));
}

TEST_P(UserStoreTest, DeleteCascadesTokensAndKeepsInvitees) {
  int64_t alice = Db().Users().CreateUser(MakeUser("alice"));
  User bob = MakeUser("bob");
  bob.invited_by = alice;
  int64_t bob_id = Db().Users().CreateUser(bob);
  Db().Tokens().SaveRefreshToken(Refresh("r1", "r1", alice, "a1"));

  EXPECT_TRUE(Db().Users().DeleteUser(alice));
  EXPECT_FALSE(Db().Users().DeleteUser(alice));
  EXPECT_FALSE(Db().Users().FindUserById(alice));
  EXPECT_EQ(Db().Users().FindUserById(bob_id)->invited_by, std::nullopt);
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r1", 1000}, Refresh("r2", "r1", alice, "a2"), 1500),
            SpendResult::kUnknown);
  // The family row went too: the same family id can be used for a new user.
  int64_t carol = Db().Users().CreateUser(MakeUser("carol"));
  Db().Tokens().SaveRefreshToken(Refresh("r2", "r1", carol, "a2"));
  EXPECT_EQ(Db().Tokens().RotateRefreshToken({"r2", 1000}, Refresh("r3", "r1", carol, "a3"), 1500),
            SpendResult::kSpent);
}

TEST_P(UserStoreTest, ReplacePasswordHashIsCompareAndSet) {
  User user = MakeUser("alice");
  user.password_hash = "old";
  int64_t id = Db().Users().CreateUser(user);
  EXPECT_FALSE(Db().Users().ReplacePasswordHash(id, "other", "new"));
  EXPECT_EQ(Db().Users().FindUserById(id)->password_hash, "old");
  EXPECT_TRUE(Db().Users().ReplacePasswordHash(id, "old", "new"));
  EXPECT_EQ(Db().Users().FindUserById(id)->password_hash, "new");
  EXPECT_FALSE(Db().Users().ReplacePasswordHash(id, "old", "newer"));
  EXPECT_FALSE(Db().Users().ReplacePasswordHash(id + 1, "new", "newer"));
  EXPECT_EQ(Db().Users().FindUserById(id)->password_hash, "new");
}

TEST_P(UserStoreTest, RevokeUserTokensNeverLowers) {
  int64_t id = Db().Users().CreateUser(MakeUser("alice"));
  EXPECT_EQ(Db().Users().FindUserById(id)->tokens_valid_after, 0);
  Db().Users().RevokeUserTokens(id, 100);
  EXPECT_EQ(Db().Users().FindUserById(id)->tokens_valid_after, 100);
  Db().Users().RevokeUserTokens(id, 50);
  EXPECT_EQ(Db().Users().FindUserById(id)->tokens_valid_after, 100);
  Db().Users().RevokeUserTokens(id, 101);
  EXPECT_EQ(Db().Users().FindUserById(id)->tokens_valid_after, 101);
}

TEST_P(UserStoreTest, SearchMatchesUsernameEmailOrPhonePartsAndPaginates) {
  const int64_t alice = Db().Users().CreateUser(MakeUser("Alice", "alice@Example.com", "+14155550100"));
  const int64_t bob = Db().Users().CreateUser(MakeUser("bob", "bob@other.org"));
  const int64_t carol = Db().Users().CreateUser(MakeUser("carol", std::nullopt, "+31612345678"));
  auto ids = [](const UserPage& page) {
    std::vector<int64_t> out;
    for (const auto& u : page.users) out.push_back(u.id);
    return out;
  };
  UserPage all = Db().Users().SearchUsers("", 0, 10);
  EXPECT_EQ(all.count, 3);
  EXPECT_EQ(ids(all), (std::vector<int64_t>{alice, bob, carol}));
  EXPECT_EQ(ids(Db().Users().SearchUsers("ALI", 0, 10)), (std::vector<int64_t>{alice}));       // username
  EXPECT_EQ(ids(Db().Users().SearchUsers("example.COM", 0, 10)), (std::vector<int64_t>{alice}));  // email
  EXPECT_EQ(ids(Db().Users().SearchUsers("+3161", 0, 10)), (std::vector<int64_t>{carol}));     // phone
  UserPage o = Db().Users().SearchUsers("o", 0, 10);  // bob, carol (and alice's ".com")
  EXPECT_EQ(o.count, 3);
  UserPage second = Db().Users().SearchUsers("o", 1, 1);
  EXPECT_EQ(second.count, 3);
  EXPECT_EQ(ids(second), (std::vector<int64_t>{bob}));
  // LIKE wildcards are plain characters.
  EXPECT_EQ(Db().Users().SearchUsers("%", 0, 10).count, 0);
  EXPECT_EQ(Db().Users().SearchUsers("_", 0, 10).count, 0);
}

DFAUTH_ON_EVERY_BACKEND(UserStoreTest);

}  // namespace
}  // namespace dfauth::store
