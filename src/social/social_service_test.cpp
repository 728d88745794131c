#include "social/social_service.hpp"

#include <gtest/gtest.h>

#include "store/testing.hpp"
#include <unistd.h>

#include <filesystem>

#include "store/social_store.hpp"

namespace dfauth::social {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kNow = 1'700'000'000;

using store::testing::TempDir;

/// A provider that answers what the test set (the real ones are tested through HTTP e2e).
class ScriptedProvider final : public Provider {
 public:
  ScriptedProvider(std::string name, SocialIdentity* next) : name_(std::move(name)), next_(next) {}
  std::string Name() const override { return name_; }
  SocialIdentity Authenticate(const std::string& access_token, const std::optional<std::string>&) override {
    if (access_token == "refused") throw ProviderRejected();
    return *next_;
  }

 private:
  std::string name_;
  SocialIdentity* next_;
};

class SocialServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::OpenDatabase("sqlite://" + dir_.File("db.sqlite3"), 2);
    store_->Migrate();
    links_ = &store_->Social();
    token::TokenOptions options;
    options.secret_key = "unit-test-secret";
    tokens_ = std::make_unique<token::TokenService>(options, *store_, [] { return kNow; });
    tokens_->LoadKeys();
    Rebuild();
  }

  void Rebuild() {
    std::map<std::string, std::unique_ptr<Provider>> providers;
    providers["google-oauth2"] = std::make_unique<ScriptedProvider>("google-oauth2", &next_);
    providers["facebook"] = std::make_unique<ScriptedProvider>("facebook", &next_);
    service_ = std::make_unique<SocialService>(
        settings_, *store_, *links_, *tokens_, std::move(providers),
        [this](const store::User& user, const std::optional<std::string>& otp,
               const std::function<void(const store::User&)>&) {
          gate_calls_.push_back(user.id);
          if (user.two_fa_required && otp != "123456")
            throw ApiError(401, "2fa_required", "2FA is required for this user.");
        },
        [this](const std::string& provider, const std::string& outcome) {
          counted_.push_back(provider + ":" + outcome);
        },
        [] { return kNow; });
  }

  static SocialIdentity Ada(bool verified = true) {
    SocialIdentity id;
    id.uid = "g-1";
    id.email = "Ada@EXAMPLE.com";
    id.email_verified = verified;
    id.first_name = "Ada";
    id.last_name = "Lovelace";
    id.extra_json = R"({"sub":"g-1"})";
    return id;
  }

  static SocialRequest Request(std::string provider = "google-oauth2") {
    SocialRequest r;
    r.provider = std::move(provider);
    r.access_token = "ya29.token";
    return r;
  }

  store::User MakeUser(const std::string& username, std::optional<std::string> email,
                       std::string password_hash = "") {
    store::User u;
    u.username = username;
    u.email = std::move(email);
    u.password_hash = std::move(password_hash);
    u.date_joined = kNow;
    u.id = store_->Users().CreateUser(u);
    return u;
  }

  int64_t Users() { return store_->Users().CountUsers(); }

  void ExpectError(const std::function<void()>& run, int status, const std::string& code,
                   const std::optional<std::string>& field = std::nullopt, const std::string& message = "") {
    try {
      run();
      FAIL() << "no error";
    } catch (const ApiError& e) {
      EXPECT_EQ(e.Status(), status);
      EXPECT_EQ(e.Code(), code);
      EXPECT_EQ(e.Entries().front().field, field);
      if (!message.empty()) {
        EXPECT_EQ(e.Entries().front().message, message);
      }
    }
  }

  TempDir dir_;
  config::Settings settings_;
  std::unique_ptr<store::Database> store_;
  store::SocialStore* links_ = nullptr;
  std::unique_ptr<token::TokenService> tokens_;
  std::unique_ptr<SocialService> service_;
  SocialIdentity next_ = Ada();
  std::vector<int64_t> gate_calls_;
  std::vector<std::string> counted_;
};

TEST_F(SocialServiceTest, NewUserGetsEmailLocalPartUsernameNamesAndALink) {
  auto result = service_->Login(Request());
  EXPECT_TRUE(result.created);
  EXPECT_FALSE(result.tokens.token.empty());
  auto user = store_->Users().FindUserById(result.user.id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->username, "Ada");
  EXPECT_EQ(user->email, "Ada@example.com");
  EXPECT_EQ(user->first_name, "Ada");
  EXPECT_EQ(user->last_name, "Lovelace");
  EXPECT_EQ(user->password_hash, "");
  auto link = links_->FindLink("google-oauth2", "g-1");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->user_id, user->id);
  EXPECT_EQ(link->extra_json, R"({"sub":"g-1"})");
  EXPECT_EQ(link->created_at, kNow);
  EXPECT_EQ(counted_, std::vector<std::string>{"google-oauth2:success"});
}

TEST_F(SocialServiceTest, ExistingLinkLogsIntoThatUserWithoutANewOne) {
  auto first = service_->Login(Request());
  next_.email = "changed@example.com";
  auto second = service_->Login(Request());
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.user.id, first.user.id);
  EXPECT_EQ(Users(), 1);
  EXPECT_EQ(gate_calls_, std::vector<int64_t>{first.user.id});
}

TEST_F(SocialServiceTest, VerifiedEmailAssociatesWithTheExistingUser) {
  auto existing = MakeUser("ada", "ada@example.com");
  auto result = service_->Login(Request());
  EXPECT_FALSE(result.created);
  EXPECT_EQ(result.user.id, existing.id);
  EXPECT_EQ(links_->FindLink("google-oauth2", "g-1")->user_id, existing.id);
  EXPECT_EQ(Users(), 1);
}

TEST_F(SocialServiceTest, UnverifiedEmailOfAnotherAccountIsRefusedWithoutLinkOrAccount) {
  MakeUser("ada", "ada@example.com");
  next_ = Ada(/*verified=*/false);
  ExpectError([&] { service_->Login(Request()); }, 400, "invalid", "email",
              "User with this email already exists.");
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
  EXPECT_EQ(Users(), 1);
  EXPECT_EQ(counted_, std::vector<std::string>{"google-oauth2:invalid"});
}

TEST_F(SocialServiceTest, AssociatePolicyAlwaysAndNever) {
  auto existing = MakeUser("ada", "ada@example.com");
  settings_.social_auth_associate_by_email = "never";
  Rebuild();
  ExpectError([&] { service_->Login(Request()); }, 400, "invalid", "email");
  settings_.social_auth_associate_by_email = "always";
  Rebuild();
  next_ = Ada(false);
  EXPECT_EQ(service_->Login(Request()).user.id, existing.id);
}

TEST_F(SocialServiceTest, UnverifiedEmailIsNotGivenToANewAccount) {
  next_ = Ada(false);
  auto result = service_->Login(Request());
  EXPECT_TRUE(result.created);
  EXPECT_EQ(store_->Users().FindUserById(result.user.id)->email, std::nullopt);
  EXPECT_EQ(result.user.username, "Ada");
}

TEST_F(SocialServiceTest, UsernameCollisionGetsASuffix) {
  MakeUser("Ada", std::nullopt);
  auto result = service_->Login(Request());
  ASSERT_EQ(result.user.username.size(), 3u + 8u);
  EXPECT_EQ(result.user.username.substr(0, 3), "Ada");
  EXPECT_EQ(result.user.username.find_first_not_of("0123456789abcdef", 3), std::string::npos);
}

TEST_F(SocialServiceTest, FacebookProposesTheGraphNameAndNoEmailGivesARandomName) {
  next_.uid = "fb-1";
  auto fb = service_->Login(Request("facebook"));
  EXPECT_EQ(fb.user.username, "AdaLovelace");
  next_ = SocialIdentity{};
  next_.uid = "g-2";
  auto anonymous = service_->Login(Request());
  EXPECT_EQ(anonymous.user.username.size(), 32u);
}

TEST_F(SocialServiceTest, EmptyFieldsFillFromProviderThenBodyAndSetOnesStay) {
  next_.first_name = "";
  next_.last_name = "";
  auto request = Request();
  request.fields = {{"first_name", "Body"}, {"last_name", ""}};
  auto result = service_->Login(request);
  auto user = store_->Users().FindUserById(result.user.id);
  EXPECT_EQ(user->first_name, "Body");
  EXPECT_EQ(user->last_name, "");
  next_ = Ada();
  service_->Login(request);
  user = store_->Users().FindUserById(result.user.id);
  EXPECT_EQ(user->first_name, "Body");
  EXPECT_EQ(user->last_name, "Lovelace");
}

TEST_F(SocialServiceTest, OnlyConfiguredFieldsAreFilled) {
  settings_.user_social_auth_fields = {"last_name"};
  Rebuild();
  auto result = service_->Login(Request());
  auto user = store_->Users().FindUserById(result.user.id);
  EXPECT_EQ(user->first_name, "");
  EXPECT_EQ(user->last_name, "Lovelace");
}

TEST_F(SocialServiceTest, TwoFactorGateRunsBeforeAnyWriteAndOtpSatisfiesIt) {
  auto existing = MakeUser("ada", "ada@example.com");
  existing.two_fa_required = true;
  store_->Users().UpdateUser(existing);
  ExpectError([&] { service_->Login(Request()); }, 401, "2fa_required");
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
  auto request = Request();
  request.otp = "123456";
  EXPECT_EQ(service_->Login(request).user.id, existing.id);
  EXPECT_TRUE(links_->FindLink("google-oauth2", "g-1"));
}

TEST_F(SocialServiceTest, InactiveUserIsRefused) {
  auto existing = MakeUser("ada", "ada@example.com");
  existing.is_active = false;
  store_->Users().UpdateUser(existing);
  ExpectError([&] { service_->Login(Request()); }, 401, "authentication_failed");
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
}

TEST_F(SocialServiceTest, ProviderRefusalAndUnknownProvider) {
  auto request = Request();
  request.access_token = "refused";
  ExpectError([&] { service_->Login(request); }, 401, "authentication_failed");
  ExpectError([&] { service_->Login(Request("twitter")); }, 400, "invalid_choice", "provider",
              "\"twitter\" is not a valid choice.");
  EXPECT_EQ(counted_, (std::vector<std::string>{"google-oauth2:authentication_failed", "invalid:invalid_choice"}));
  EXPECT_FALSE(service_->Offers("apple-id"));
  EXPECT_TRUE(service_->Offers("facebook"));
}

TEST_F(SocialServiceTest, ConnectLinksToTheCallerAndRefusesAnotherUsersAccount) {
  auto caller = MakeUser("bob", "bob@example.com", "argon2-hash");
  auto result = service_->Connect(caller, Request());
  EXPECT_EQ(result.user.id, caller.id);
  EXPECT_EQ(links_->FindLink("google-oauth2", "g-1")->user_id, caller.id);
  EXPECT_EQ(store_->Users().FindUserById(caller.id)->first_name, "Ada");
  EXPECT_EQ(service_->Connect(caller, Request()).user.id, caller.id);  // again: no change
  auto other = MakeUser("eve", "eve@example.com");
  ExpectError([&] { service_->Connect(other, Request()); }, 400, "invalid", std::nullopt,
              "This account is already in use.");
  EXPECT_EQ(links_->FindLink("google-oauth2", "g-1")->user_id, caller.id);
}

TEST_F(SocialServiceTest, DisconnectRemovesUnlessItIsTheLastWayToLogIn) {
  auto result = service_->Login(Request());  // verified email: the user can use email OTP
  service_->Disconnect(*store_->Users().FindUserById(result.user.id), "google-oauth2");
  EXPECT_FALSE(links_->FindLink("google-oauth2", "g-1"));
  ExpectError([&] { service_->Disconnect(*store_->Users().FindUserById(result.user.id), "google-oauth2"); },
              404, "not_found");

  next_ = Ada(false);
  next_.uid = "g-2";
  next_.email = "bare@example.com";
  auto bare = service_->Login(Request());  // unverified: no email kept, no password
  ExpectError([&] { service_->Disconnect(*store_->Users().FindUserById(bare.user.id), "google-oauth2"); },
              400, "invalid");
  EXPECT_TRUE(links_->FindLink("google-oauth2", "g-2"));
  next_.uid = "fb-2";
  service_->Connect(*store_->Users().FindUserById(bare.user.id), Request("facebook"));
  service_->Disconnect(*store_->Users().FindUserById(bare.user.id), "google-oauth2");
  EXPECT_EQ(service_->CountConnections(bare.user.id), 1);
  EXPECT_EQ(service_->Connections(bare.user.id, 0, 100).front().provider, "facebook");
}

}  // namespace
}  // namespace dfauth::social
