#include "token/token_service.hpp"

#include <gtest/gtest.h>

#include "store/testing.hpp"
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "crypto/primitives.hpp"
#include "dfauth/error.hpp"
#include "token/keys.hpp"

namespace dfauth::token {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int64_t kT0 = 1700000000;
constexpr char kSecret[] = "django-insecure-secret-key-used-as-is";

using store::testing::TempDir;

Json Part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  std::size_t end = token.find('.', start);
  return Json::parse(*crypto::Base64UrlDecode(token.substr(start, end - start)));
}
Json Header(const std::string& token) { return Part(token, 0); }
Json Payload(const std::string& token) { return Part(token, 1); }

std::set<std::string> Keys(const Json& object) {
  std::set<std::string> keys;
  for (auto& [k, v] : object.items()) keys.insert(k);
  return keys;
}

// Runs `f` and checks it throws the 401 with this code and message.
template <typename F>
void ExpectRejected(F&& f, const std::string& message = "Token is invalid or expired",
                    const std::string& code = "token_not_valid") {
  try {
    f();
    ADD_FAILURE() << "expected ApiError " << code;
  } catch (const ApiError& e) {
    EXPECT_EQ(e.Status(), 401);
    EXPECT_EQ(e.Code(), code);
    EXPECT_EQ(e.Entries().front().message, message);
    ASSERT_EQ(e.headers.size(), 1u);
    EXPECT_EQ(e.headers[0].first, "WWW-Authenticate");
  }
}

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::OpenDatabase("sqlite://" + dir_.File("db.sqlite3"), 4);
    store_->Migrate();
    store::User user;
    user.username = "alice";
    user.date_joined = kT0;
    user.id = store_->Users().CreateUser(user);
    user_ = *store_->Users().FindUserById(user.id);
  }

  TokenOptions Sliding() {
    TokenOptions o;
    o.secret_key = kSecret;
    return o;
  }
  TokenOptions Pair() {
    TokenOptions o = Sliding();
    o.profile = config::JwtProfile::kPair;
    return o;
  }
  std::unique_ptr<TokenService> Make(TokenOptions options) {
    auto service =
        std::make_unique<TokenService>(std::move(options), *store_, [this] { return now_.load(); });
    service->LoadKeys();
    return service;
  }
  store::User FreshUser() { return *store_->Users().FindUserById(user_.id); }
  // An HS256 token with our secret and any payload, as another issuer (or Django) would make.
  std::string HandMade(const Json& payload, const std::string& secret = kSecret) {
    Key key{Algorithm::kHS256, "", secret, nullptr};
    return Sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload.dump(), key);
  }
  Json SlidingPayload() {
    return Json{{"token_type", "sliding"},   {"exp", now_ + 100},
                {"iat", now_.load()},        {"jti", "0123456789abcdef0123456789abcdef"},
                {"refresh_exp", now_ + 100}, {"user_id", user_.id}};
  }

  TempDir dir_;
  std::unique_ptr<store::Database> store_;
  store::User user_;
  std::atomic<int64_t> now_{kT0};
};

// Expired revocations are deleted by logins and refreshes, at most once an hour.
TEST_F(TokenServiceTest, ExpiredRevocationsArePurgedHourly) {
  store_->Tokens().RevokeJti("short", kT0 + 5);
  store_->Tokens().RevokeJti("long", kT0 + 100000);
  auto service = Make(Sliding());
  service->Issue(user_, {});  // the first round runs at once; nothing has expired yet
  EXPECT_TRUE(store_->Tokens().IsJtiRevoked("short"));
  now_ = kT0 + 3599;
  service->Issue(user_, {});  // within the hour: no round
  EXPECT_TRUE(store_->Tokens().IsJtiRevoked("short"));
  now_ = kT0 + 3600;
  service->Issue(user_, {});
  EXPECT_FALSE(store_->Tokens().IsJtiRevoked("short"));
  EXPECT_TRUE(store_->Tokens().IsJtiRevoked("long"));
}

// A backlog larger than one round (400 rows) goes in rounds a second apart, not in one request.
TEST_F(TokenServiceTest, APurgeBacklogGoesInBoundedRoundsASecondApart) {
  for (int i = 0; i < 1000; ++i) store_->Tokens().RevokeJti(std::to_string(i) + "-r", kT0 - 10);
  auto still_revoked = [&] {
    int n = 0;
    for (int i = 0; i < 1000; ++i) n += store_->Tokens().IsJtiRevoked(std::to_string(i) + "-r") ? 1 : 0;
    return n;
  };
  auto service = Make(Sliding());
  service->Issue(user_, {});
  EXPECT_EQ(still_revoked(), 600);
  service->Issue(user_, {});  // the same second: no round
  EXPECT_EQ(still_revoked(), 600);
  now_ = kT0 + 1;
  service->Issue(user_, {});
  EXPECT_EQ(still_revoked(), 200);
  now_ = kT0 + 2;
  service->Issue(user_, {});
  EXPECT_EQ(still_revoked(), 0);
  now_ = kT0 + 3;  // nothing left: the next round is an hour after the last
  store_->Tokens().RevokeJti("late", kT0 + 2);
  service->Issue(user_, {});
  EXPECT_TRUE(store_->Tokens().IsJtiRevoked("late"));
  now_ = kT0 + 2 + 3600;
  service->Issue(user_, {});
  EXPECT_FALSE(store_->Tokens().IsJtiRevoked("late"));
}

TEST_F(TokenServiceTest, SlidingIssueThenAuthenticate) {
  auto service = Make(Sliding());
  IssuedTokens issued = service->Issue(user_, {});
  EXPECT_FALSE(issued.refresh.has_value());
  AuthenticatedToken auth = service->Authenticate(issued.token);
  EXPECT_EQ(auth.user.id, user_.id);
  EXPECT_EQ(auth.user.username, "alice");
  EXPECT_EQ(auth.type, "sliding");
  EXPECT_EQ(auth.exp, kT0 + 1209600);
  EXPECT_EQ(auth.jti, Payload(issued.token)["jti"]);
  service->Verify(issued.token);
}

TEST_F(TokenServiceTest, SlidingClaimsAreExactlyTheReferences) {
  auto service = Make(Sliding());
  std::string token = service->Issue(user_, {}).token;
  EXPECT_EQ(Header(token), Json::parse(R"({"alg":"HS256","typ":"JWT"})"));
  Json claims = Payload(token);
  EXPECT_EQ(Keys(claims),
            (std::set<std::string>{"token_type", "exp", "iat", "jti", "refresh_exp", "sid", "user_id"}));
  EXPECT_EQ(claims["token_type"], "sliding");
  EXPECT_EQ(claims["exp"], kT0 + 1209600);
  EXPECT_EQ(claims["iat"], kT0);
  EXPECT_EQ(claims["refresh_exp"], kT0 + 1209600);
  EXPECT_TRUE(claims["user_id"].is_number_integer());
  EXPECT_EQ(claims["user_id"], user_.id);
  std::string jti = claims["jti"];
  EXPECT_EQ(jti.size(), 32u);
  EXPECT_EQ(jti.find_first_not_of("0123456789abcdef"), std::string::npos);
  // The key is SECRET_KEY's bytes as they are, as simplejwt uses it.
  Key secret{Algorithm::kHS256, "", kSecret, nullptr};
  EXPECT_TRUE(token::Verify(token, Algorithm::kHS256, [&](std::string_view) { return &secret; }));
}

TEST_F(TokenServiceTest, PayloadIsCompactJsonInClaimOrderWithStringsEscaped) {
  TokenOptions options = Sliding();
  options.issuer = "https://auth.example.com/\"q\"";
  options.audience = "app\u00e9";
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  const std::size_t dot = token.find('.') + 1;
  std::string bytes = *crypto::Base64UrlDecode(token.substr(dot, token.rfind('.') - dot));
  std::string jti = Payload(token)["jti"];
  std::string sid = Payload(token)["sid"];
  const std::string t = std::to_string(kT0), e = std::to_string(kT0 + 1209600);
  EXPECT_EQ(bytes, "{\"token_type\":\"sliding\",\"exp\":" + e + ",\"iat\":" + t + ",\"jti\":\"" + jti +
                       "\",\"refresh_exp\":" + e + ",\"sid\":\"" + sid + "\",\"user_id\":" + std::to_string(user_.id) +
                       ",\"iss\":\"https://auth.example.com/\\\"q\\\"\",\"aud\":\"app\u00e9\"}");
  EXPECT_EQ(service->Authenticate(token).user.id, user_.id);
}

TEST_F(TokenServiceTest, TypeClaimNameIsConfigurable) {
  TokenOptions options = Sliding();
  options.type_claim = "sliding";  // django-df-auth's recommended settings
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  Json claims = Payload(token);
  EXPECT_EQ(Keys(claims),
            (std::set<std::string>{"sliding", "exp", "iat", "jti", "refresh_exp", "sid", "user_id"}));
  EXPECT_EQ(claims["sliding"], "sliding");
  EXPECT_EQ(service->Authenticate(token).user.id, user_.id);
  // A token typed under the other claim name has no type here.
  ExpectRejected([&] { service->Authenticate(Make(Sliding())->Issue(user_, {}).token); });
}

TEST_F(TokenServiceTest, DjangoIssuedSlidingTokenKeepsWorking) {
  TokenOptions options = Sliding();
  options.type_claim = "sliding";
  auto service = Make(options);
  // As django-df-auth signs it: Python's compact JSON, the same SECRET_KEY.
  Json payload = {{"sliding", "sliding"},     {"exp", kT0 + 500},
                  {"iat", kT0 - 10},          {"jti", "5f1c8d2e9a7b4c3d8e6f0a1b2c3d4e5f"},
                  {"refresh_exp", kT0 + 500}, {"user_id", user_.id}};
  AuthenticatedToken auth = service->Authenticate(HandMade(payload));
  EXPECT_EQ(auth.user.id, user_.id);
  EXPECT_EQ(auth.jti, "5f1c8d2e9a7b4c3d8e6f0a1b2c3d4e5f");
}

TEST_F(TokenServiceTest, ExpiredTokenIsRejectedWithoutLeeway) {
  TokenOptions options = Sliding();
  options.sliding_lifetime = 100;
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  now_ = kT0 + 99;
  service->Authenticate(token);
  now_ = kT0 + 100;
  ExpectRejected([&] { service->Authenticate(token); });
  ExpectRejected([&] { service->Verify(token); });
}

TEST_F(TokenServiceTest, ATokenCheckedBeforeIsJudgedAgainOnEveryUse) {
  // The second use of the same bytes comes from the verified-token cache: time, type,
  // revocation and the user are still judged each time.
  TokenOptions options = Pair();
  options.access_lifetime = 100;
  auto service = Make(options);
  IssuedTokens issued = service->Issue(user_, {});
  service->Verify(issued.token);
  EXPECT_EQ(service->Authenticate(issued.token).user.id, user_.id);
  ExpectRejected([&] { service->Refresh(issued.token); }, "Token has wrong type");
  now_ = kT0 + 100;
  ExpectRejected([&] { service->Authenticate(issued.token); });
  now_ = kT0 + 50;
  EXPECT_EQ(service->Authenticate(issued.token).user.id, user_.id);
  store_->Users().RevokeUserTokens(user_.id, kT0 + 51);
  ExpectRejected([&] { service->Authenticate(issued.token); });

  now_ = kT0 + 60;  // after the revocation time
  Json payload = SlidingPayload();
  payload["nbf"] = now_.load();
  std::string not_before = HandMade(payload);
  auto sliding = Make(Sliding());
  EXPECT_EQ(sliding->Authenticate(not_before).user.id, user_.id);
  now_ = now_ - 1;  // the clock stepped back: nbf is in the future again
  ExpectRejected([&] { sliding->Authenticate(not_before); });
}

TEST_F(TokenServiceTest, NotBeforeInTheFutureIsRejected) {
  auto service = Make(Sliding());
  Json payload = SlidingPayload();
  payload["nbf"] = now_ + 1;
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload["nbf"] = now_.load();
  EXPECT_EQ(service->Authenticate(HandMade(payload)).user.id, user_.id);
  payload["nbf"] = "soon";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
}

TEST_F(TokenServiceTest, MissingOrBrokenClaimsAreRejected) {
  auto service = Make(Sliding());
  EXPECT_EQ(service->Authenticate(HandMade(SlidingPayload())).user.id, user_.id);
  for (const char* claim : {"exp", "token_type", "jti", "user_id"}) {
    Json payload = SlidingPayload();
    payload.erase(claim);
    ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  }
  Json payload = SlidingPayload();
  payload["user_id"] = std::to_string(user_.id);
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload = SlidingPayload();
  payload["exp"] = "never";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload = SlidingPayload();
  payload["token_type"] = 7;
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload = SlidingPayload();
  payload["token_type"] = "session";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); }, "Token has wrong type");
  // Not a JSON object at all, and signed with another secret.
  Key key{Algorithm::kHS256, "", kSecret, nullptr};
  ExpectRejected([&] { service->Authenticate(Sign("{\"alg\":\"HS256\"}", "[1,2]", key)); });
  ExpectRejected([&] { service->Authenticate(HandMade(SlidingPayload(), "other secret")); });
  ExpectRejected([&] { service->Authenticate("not a token"); });
  ExpectRejected([&] { service->Authenticate(""); });
}

TEST_F(TokenServiceTest, AlgNoneTokenIsRejected) {
  auto service = Make(Sliding());
  std::string none = crypto::Base64UrlEncode("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." +
                     crypto::Base64UrlEncode(SlidingPayload().dump()) + ".";
  ExpectRejected([&] { service->Authenticate(none); });
}

TEST_F(TokenServiceTest, PairClaimsAreExact) {
  auto service = Make(Pair());
  IssuedTokens issued = service->Issue(user_, {});
  ASSERT_TRUE(issued.refresh.has_value());
  Json access = Payload(issued.token);
  Json refresh = Payload(*issued.refresh);
  std::set<std::string> expected{"token_type", "exp", "iat", "jti", "sid", "user_id"};
  EXPECT_EQ(Keys(access), expected);
  EXPECT_EQ(Keys(refresh), expected);
  EXPECT_EQ(access["token_type"], "access");
  EXPECT_EQ(access["exp"], kT0 + 300);
  EXPECT_EQ(access["iat"], kT0);
  EXPECT_EQ(refresh["token_type"], "refresh");
  EXPECT_EQ(refresh["exp"], kT0 + 1209600);
  EXPECT_EQ(refresh["user_id"], user_.id);
  EXPECT_NE(access["jti"], refresh["jti"]);
  EXPECT_EQ(service->Authenticate(issued.token).type, "access");
}

TEST_F(TokenServiceTest, AccessAndRefreshTokensNeverStandInForEachOther) {
  auto service = Make(Pair());
  IssuedTokens issued = service->Issue(user_, {});
  ExpectRejected([&] { service->Authenticate(*issued.refresh); }, "Token has wrong type");
  ExpectRejected([&] { service->Refresh(issued.token); }, "Token has wrong type");
  // Verify accepts both kinds.
  service->Verify(issued.token);
  service->Verify(*issued.refresh);
  // A sliding token is neither.
  std::string sliding = Make(Sliding())->Issue(user_, {}).token;
  ExpectRejected([&] { service->Authenticate(sliding); }, "Token has wrong type");
  ExpectRejected([&] { service->Refresh(sliding); }, "Token has wrong type");
}

TEST_F(TokenServiceTest, IssuerAndAudienceAreSetAndChecked) {
  TokenOptions options = Sliding();
  options.issuer = "https://auth.example.com";
  options.audience = "example-app";
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  Json claims = Payload(token);
  EXPECT_EQ(claims["iss"], "https://auth.example.com");
  EXPECT_EQ(claims["aud"], "example-app");
  EXPECT_EQ(service->Authenticate(token).user.id, user_.id);

  Json payload = SlidingPayload();
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });  // neither
  payload["iss"] = "https://auth.example.com";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });  // no aud
  payload["aud"] = Json::array({"other", "example-app"});
  EXPECT_EQ(service->Authenticate(HandMade(payload)).user.id, user_.id);
  payload["aud"] = "other";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload["aud"] = "example-app";
  payload["iss"] = "https://evil.example.com";
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });
  payload.erase("iss");
  ExpectRejected([&] { service->Authenticate(HandMade(payload)); });

  // A service with no audience configured refuses tokens meant for an audience.
  auto plain = Make(Sliding());
  ExpectRejected([&] { plain->Authenticate(token); });
}

TEST_F(TokenServiceTest, BlacklistedTokenIsRefusedEverywhere) {
  auto service = Make(Sliding());
  std::string token = service->Issue(user_, {}).token;
  service->Blacklist(token);
  ExpectRejected([&] { service->Authenticate(token); }, "Token is blacklisted");
  ExpectRejected([&] { service->Verify(token); }, "Token is blacklisted");
  ExpectRejected([&] { service->Refresh(token); }, "Token is blacklisted");
  ExpectRejected([&] { service->Blacklist(token); }, "Token is blacklisted");
  ExpectRejected([&] { service->Blacklist("garbage"); });
}

TEST_F(TokenServiceTest, BlacklistingASlidingTokenCoversItsRefreshedCopies) {
  TokenOptions options = Sliding();
  options.sliding_lifetime = 100;
  options.sliding_refresh_lifetime = 1000;
  auto service = Make(options);
  std::string first = service->Issue(user_, {}).token;
  now_ = kT0 + 50;
  std::string second = service->Refresh(first).token;
  service->Blacklist(first);
  // Purging rows that expired with the first token must not free its later copy.
  EXPECT_TRUE(store_->Tokens().PurgeExpiredTokens(kT0 + 101, std::numeric_limits<int64_t>::max()));
  now_ = kT0 + 120;
  ExpectRejected([&] { service->Authenticate(second); }, "Token is blacklisted");
}

TEST_F(TokenServiceTest, RevocationTimeRefusesOlderTokensButNotOnesFromTheSameSecond) {
  auto service = Make(Sliding());
  std::string before = service->Issue(user_, {}).token;
  // What a password change does: tokens_valid_after = now + 1.
  store_->Users().RevokeUserTokens(user_.id, kT0 + 1);
  std::string after = service->Issue(FreshUser(), {}).token;  // same second
  EXPECT_EQ(Payload(after)["iat"], kT0 + 1);
  EXPECT_EQ(service->Authenticate(after).user.id, user_.id);
  service->Verify(after);
  ExpectRejected([&] { service->Authenticate(before); });
  ExpectRejected([&] { service->Verify(before); });
  ExpectRejected([&] { service->Refresh(before); });
  now_ = kT0 + 5;
  EXPECT_EQ(service->Authenticate(after).user.id, user_.id);
}

TEST_F(TokenServiceTest, DeletedAndInactiveUsersFailAuthentication) {
  auto service = Make(Sliding());
  std::string token = service->Issue(user_, {}).token;
  store::User inactive = FreshUser();
  inactive.is_active = false;
  store_->Users().UpdateUser(inactive);
  ExpectRejected([&] { service->Authenticate(token); }, "User is inactive",
                 "authentication_failed");
  ExpectRejected([&] { service->Refresh(token); });
  store_->Users().DeleteUser(user_.id);
  ExpectRejected([&] { service->Authenticate(token); }, "User not found", "authentication_failed");
  ExpectRejected([&] { service->Verify(token); });
  ExpectRejected([&] { service->Refresh(token); });
}

TEST_F(TokenServiceTest, SlidingRefreshKeepsJtiAndRefreshExp) {
  TokenOptions options = Sliding();
  options.sliding_lifetime = 100;
  options.sliding_refresh_lifetime = 1000;
  auto service = Make(options);
  std::string first = service->Issue(user_, {}).token;
  now_ = kT0 + 60;
  std::string second = service->Refresh(first).token;
  Json a = Payload(first);
  Json b = Payload(second);
  EXPECT_EQ(Keys(b), Keys(a));
  EXPECT_EQ(b["jti"], a["jti"]);
  EXPECT_EQ(b["user_id"], a["user_id"]);
  EXPECT_EQ(b["refresh_exp"], kT0 + 1000);
  EXPECT_EQ(b["iat"], kT0 + 60);
  EXPECT_EQ(b["exp"], kT0 + 160);
  // The old token stays valid until its own exp (as in the reference).
  EXPECT_EQ(service->Authenticate(first).user.id, user_.id);
  EXPECT_EQ(service->Authenticate(second).user.id, user_.id);
}

TEST_F(TokenServiceTest, ExpiredSlidingTokenCannotBeRefreshedInsideRefreshExp) {
  TokenOptions options = Sliding();
  options.sliding_lifetime = 100;
  options.sliding_refresh_lifetime = 1000;
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  now_ = kT0 + 150;
  ExpectRejected([&] { service->Refresh(token); });
}

TEST_F(TokenServiceTest, SlidingTokenPastRefreshExpCannotBeRefreshed) {
  TokenOptions options = Sliding();
  options.sliding_lifetime = 1000;
  options.sliding_refresh_lifetime = 100;
  auto service = Make(options);
  std::string token = service->Issue(user_, {}).token;
  now_ = kT0 + 99;
  std::string refreshed = service->Refresh(token).token;
  now_ = kT0 + 100;
  ExpectRejected([&] { service->Refresh(token); });
  ExpectRejected([&] { service->Refresh(refreshed); });
  EXPECT_EQ(service->Authenticate(refreshed).user.id, user_.id);  // still valid to use
}

TEST_F(TokenServiceTest, PairRefreshRotates) {
  auto service = Make(Pair());
  IssuedTokens first = service->Issue(user_, {});
  now_ = kT0 + 10;
  IssuedTokens second = service->Refresh(*first.refresh);
  ASSERT_TRUE(second.refresh.has_value());
  EXPECT_NE(Payload(*second.refresh)["jti"], Payload(*first.refresh)["jti"]);
  EXPECT_EQ(Payload(second.token)["iat"], kT0 + 10);
  EXPECT_EQ(service->Authenticate(second.token).user.id, user_.id);
  IssuedTokens third = service->Refresh(*second.refresh);
  EXPECT_EQ(service->Authenticate(third.token).user.id, user_.id);
}

TEST_F(TokenServiceTest, ReusingASpentRefreshTokenRevokesTheFamily) {
  auto service = Make(Pair());
  IssuedTokens first = service->Issue(user_, {});
  IssuedTokens second = service->Refresh(*first.refresh);
  // The thief (or the victim) presents the spent token again.
  ExpectRejected([&] { service->Refresh(*first.refresh); }, "Token is blacklisted");
  // Everything of that login is now dead, including the pair issued after the spent one.
  ExpectRejected([&] { service->Refresh(*second.refresh); }, "Token is blacklisted");
  ExpectRejected([&] { service->Authenticate(second.token); }, "Token is blacklisted");
  ExpectRejected([&] { service->Authenticate(first.token); }, "Token is blacklisted");
  // Another login of the same user is untouched.
  IssuedTokens other = service->Issue(user_, {});
  EXPECT_EQ(service->Authenticate(other.token).user.id, user_.id);
  service->Refresh(*other.refresh);
}

TEST_F(TokenServiceTest, BlacklistingARefreshTokenRevokesItsFamily) {
  auto service = Make(Pair());
  IssuedTokens first = service->Issue(user_, {});
  service->Blacklist(*first.refresh);
  ExpectRejected([&] { service->Refresh(*first.refresh); }, "Token is blacklisted");
  ExpectRejected([&] { service->Authenticate(first.token); }, "Token is blacklisted");
  IssuedTokens other = service->Issue(user_, {});
  service->Blacklist(other.token);  // an access token alone
  ExpectRejected([&] { service->Authenticate(other.token); }, "Token is blacklisted");
  service->Refresh(*other.refresh);
}

TEST_F(TokenServiceTest, RefreshTokenNeverIssuedHereIsRefused) {
  auto service = Make(Pair());
  Json payload = {{"token_type", "refresh"},
                  {"exp", now_ + 100},
                  {"iat", now_.load()},
                  {"jti", "0123456789abcdef0123456789abcdef"},
                  {"user_id", user_.id}};
  ExpectRejected([&] { service->Refresh(HandMade(payload)); });
}

TEST_F(TokenServiceTest, ConcurrentRefreshesOfOneTokenSucceedOnce) {
  auto service = Make(Pair());
  std::string refresh = *service->Issue(user_, {}).refresh;
  std::atomic<int> successes{0};
  std::atomic<int> rejections{0};
  std::atomic<int> other_errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      try {
        service->Refresh(refresh);
        ++successes;
      } catch (const ApiError& e) {
        if (e.Code() == "token_not_valid") {
          ++rejections;
        } else {
          ++other_errors;
        }
      } catch (...) {
        ++other_errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 1);
  EXPECT_EQ(rejections.load(), 49);
  EXPECT_EQ(other_errors.load(), 0);
}

// Request threads authenticate a few users' tokens at once: the first use of each verifies it
// and fills the verified-token cache while the others read it; every answer is its own user's.
TEST_F(TokenServiceTest, ParallelAuthenticationsThroughTheCacheKeepEachTokenWithItsUser) {
  auto service = Make(Sliding());
  std::vector<int64_t> ids;
  std::vector<std::string> tokens;
  for (int u = 0; u < 8; ++u) {
    store::User user;
    user.username = "user" + std::to_string(u);
    user.date_joined = kT0;
    ids.push_back(store_->Users().CreateUser(user));
    tokens.push_back(service->Issue(*store_->Users().FindUserById(ids.back()), {}).token);
  }
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::size_t u = (t + i) % tokens.size();
        try {
          (service->Authenticate(tokens[u]).user.id == ids[u] ? right : wrong)++;
        } catch (...) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right.load(), kThreads * kEach);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(TokenServiceTest, Hs256JwksIsEmpty) {
  auto service = Make(Sliding());
  EXPECT_EQ(service->JwksJson(), "{\"keys\":[]}");
}

class AsymmetricTokenTest : public TokenServiceTest,
                            public ::testing::WithParamInterface<Algorithm> {};

TEST_P(AsymmetricTokenTest, IssuesAndVerifiesWithAStoredKey) {
  TokenOptions options = Sliding();
  options.algorithm = GetParam();
  auto service = Make(options);
  auto stored = ListKeys(*store_);
  ASSERT_EQ(stored.size(), 1u);  // generated on first start
  EXPECT_EQ(stored[0].alg, AlgorithmName(GetParam()));
  std::string token = service->Issue(user_, {}).token;
  EXPECT_EQ(Header(token),
            (Json{{"alg", AlgorithmName(GetParam())}, {"kid", stored[0].kid}, {"typ", "JWT"}}));
  EXPECT_EQ(service->Authenticate(token).user.id, user_.id);
  // Another replica on the same database reuses the key instead of making its own.
  auto replica = Make(options);
  EXPECT_EQ(ListKeys(*store_).size(), 1u);
  EXPECT_EQ(replica->Authenticate(token).user.id, user_.id);
  // An HS256 service (or one of another algorithm) does not accept it.
  ExpectRejected([&] { Make(Sliding())->Authenticate(token); });
}

TEST_P(AsymmetricTokenTest, RotationKeepsOldTokensVerifying) {
  TokenOptions options = Sliding();
  options.algorithm = GetParam();
  auto service = Make(options);
  std::string old_kid = ListKeys(*store_)[0].kid;
  std::string old_token = service->Issue(user_, {}).token;

  std::string new_kid = RotateKeys(*store_, GetParam(), kT0);
  EXPECT_NE(new_kid, old_kid);
  auto stored = ListKeys(*store_);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].kid, new_kid);
  EXPECT_FALSE(stored[0].retired_at.has_value());
  EXPECT_EQ(stored[1].retired_at, kT0);

  auto restarted = Make(options);
  std::string new_token = restarted->Issue(user_, {}).token;
  EXPECT_EQ(Header(new_token)["kid"], new_kid);
  EXPECT_EQ(restarted->Authenticate(old_token).user.id, user_.id);
  EXPECT_EQ(restarted->Authenticate(new_token).user.id, user_.id);

  Json jwks = Json::parse(restarted->JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 2u);
  std::set<std::string> kids;
  for (const Json& jwk : jwks["keys"]) {
    kids.insert(jwk["kid"]);
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_EQ(jwk["alg"], AlgorithmName(GetParam()));
    EXPECT_FALSE(jwk.contains("d"));  // never the private part
    // Each entry is a usable public key whose thumbprint is its kid.
    Key key = KeyFromJwk(jwk.dump());
    EXPECT_EQ(Thumbprint(key), jwk["kid"]);
  }
  EXPECT_EQ(kids, (std::set<std::string>{old_kid, new_kid}));

  // The service started before the rotation learns the new key when it meets it.
  now_ = kT0 + 30;
  EXPECT_EQ(service->Authenticate(new_token).user.id, user_.id);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, AsymmetricTokenTest,
                         ::testing::Values(Algorithm::kRS256, Algorithm::kES256, Algorithm::kEdDSA),
                         [](const auto& info) { return std::string(AlgorithmName(info.param)); });

TEST_F(TokenServiceTest, PrivateKeyFileSignsWithItsThumbprintKid) {
  Key key = GenerateKeyPair(Algorithm::kEdDSA);
  std::string path = dir_.File("ed25519.pem");
  std::ofstream(path) << PrivateKeyPem(key);
  TokenOptions options = Sliding();
  options.algorithm = Algorithm::kEdDSA;
  options.private_key_file = path;
  auto service = Make(options);
  EXPECT_TRUE(ListKeys(*store_).empty());  // nothing generated
  std::string token = service->Issue(user_, {}).token;
  EXPECT_EQ(Header(token)["kid"], key.kid);
  EXPECT_EQ(service->Authenticate(token).user.id, user_.id);
  Json jwks = Json::parse(service->JwksJson());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  EXPECT_EQ(jwks["keys"][0]["kid"], key.kid);
  EXPECT_EQ(jwks["keys"][0]["crv"], "Ed25519");
}

TEST_F(TokenServiceTest, UnusableKeyFileNamesTheSetting) {
  Key rsa = GenerateKeyPair(Algorithm::kRS256);
  std::string path = dir_.File("rsa.pem");
  std::ofstream(path) << PrivateKeyPem(rsa);
  TokenOptions options = Sliding();
  options.algorithm = Algorithm::kES256;
  options.private_key_file = path;
  TokenService service(options, *store_, [this] { return now_.load(); });
  try {
    service.LoadKeys();
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("JWT_PRIVATE_KEY_FILE"), std::string::npos) << e.what();
  }
  options.private_key_file = dir_.File("missing.pem");
  TokenService missing(options, *store_, [this] { return now_.load(); });
  EXPECT_THROW(missing.LoadKeys(), std::runtime_error);
}

TEST_F(TokenServiceTest, InvalidOptionsAreRefusedAtConstruction) {
  TokenOptions options = Sliding();
  options.secret_key.clear();
  EXPECT_THROW(TokenService(options, *store_), std::invalid_argument);
  options = Sliding();
  options.type_claim.clear();
  EXPECT_THROW(TokenService(options, *store_), std::invalid_argument);
}

}  // namespace
}  // namespace dfauth::token

namespace dfauth::token {
namespace {

// Sessions: each Issue starts one named by `sid` in every token; refreshes keep it; revoking it
// refuses every token of it at the next check, and tokens without a sid keep working.
TEST_F(TokenServiceTest, IssueStartsASessionNamedByTheSidOfItsTokens) {
  auto service = Make(Sliding());
  IssuedTokens issued = service->Issue(user_, {SignInMethod::kOtp, "198.51.100.4", "agent/1"});
  const std::string sid = Payload(issued.token)["sid"];
  EXPECT_EQ(sid.size(), 22u);
  auto session = store_->Sessions().Find(sid);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->user_id, user_.id);
  EXPECT_EQ(session->method, "otp");
  EXPECT_EQ(session->ip, "198.51.100.4");
  EXPECT_EQ(session->user_agent, "agent/1");
  EXPECT_EQ(session->created_at, kT0);
  EXPECT_EQ(session->last_used_at, kT0);
  // Past every refreshed copy: refresh_exp + lifetime, and the touch margin.
  EXPECT_EQ(session->expires_at, kT0 + 1209600 + 1209600 + 61);
  EXPECT_EQ(service->Authenticate(issued.token).sid, sid);
  EXPECT_NE(Payload(service->Issue(user_, {}).token)["sid"], sid);
}

TEST_F(TokenServiceTest, RefreshesKeepTheSessionAndRevokingItRefusesEveryToken) {
  auto sliding = Make(Sliding());
  IssuedTokens issued = sliding->Issue(user_, {});
  const std::string sid = Payload(issued.token)["sid"];
  now_ += 10;
  IssuedTokens refreshed = sliding->Refresh(issued.token);
  EXPECT_EQ(Payload(refreshed.token)["sid"], sid);
  EXPECT_FALSE(sliding->Sessions().Revoke(user_.id + 1, sid));  // another user's
  ASSERT_TRUE(sliding->Sessions().Revoke(user_.id, sid));
  ExpectRejected([&] { sliding->Authenticate(issued.token); }, "Token is blacklisted");
  ExpectRejected([&] { sliding->Authenticate(refreshed.token); }, "Token is blacklisted");
  ExpectRejected([&] { sliding->Refresh(refreshed.token); }, "Token is blacklisted");
  ExpectRejected([&] { sliding->Verify(refreshed.token); }, "Token is blacklisted");

  auto pair = Make(Pair());
  IssuedTokens first = pair->Issue(user_, {});
  IssuedTokens other = pair->Issue(user_, {});
  const std::string pair_sid = Payload(first.token)["sid"];
  EXPECT_EQ(Payload(*first.refresh)["sid"], pair_sid);
  IssuedTokens next = pair->Refresh(*first.refresh);
  EXPECT_EQ(Payload(next.token)["sid"], pair_sid);
  EXPECT_EQ(Payload(*next.refresh)["sid"], pair_sid);
  EXPECT_EQ(pair->Sessions().RevokeOthers(user_.id, Payload(other.token)["sid"].get<std::string>()), 1);
  ExpectRejected([&] { pair->Authenticate(next.token); }, "Token is blacklisted");
  ExpectRejected([&] { pair->Refresh(*next.refresh); }, "Token is blacklisted");
  EXPECT_EQ(pair->Authenticate(other.token).user.id, user_.id);
  EXPECT_EQ(pair->Refresh(*other.refresh).refresh.has_value(), true);
}

TEST_F(TokenServiceTest, ATokenWithoutSidHasNoSessionAndKeepsWorking) {
  auto service = Make(Sliding());
  AuthenticatedToken auth = service->Authenticate(HandMade(SlidingPayload()));
  EXPECT_EQ(auth.sid, "");
  EXPECT_EQ(auth.user.id, user_.id);
  EXPECT_EQ(service->Sessions().RevokeOthers(user_.id, ""), 0);
  EXPECT_EQ(service->Authenticate(HandMade(SlidingPayload())).user.id, user_.id);
  Json bad = SlidingPayload();
  bad["sid"] = 7;
  ExpectRejected([&] { service->Authenticate(HandMade(bad)); });
}

TEST_F(TokenServiceTest, LastUsedAtIsWrittenAtMostOnceAMinute) {
  auto service = Make(Pair());
  IssuedTokens issued = service->Issue(user_, {});
  const std::string sid = Payload(issued.token)["sid"];
  const int64_t first_expiry = store_->Sessions().Find(sid)->expires_at;
  auto last_used = [&] { return store_->Sessions().Find(sid)->last_used_at; };
  now_ += 59;
  service->Authenticate(issued.token);  // the row is fresh: no write (the store's condition)
  EXPECT_EQ(last_used(), kT0);
  now_ += 1;  // kT0 + 60: this replica checked a second ago, it does not ask again
  service->Authenticate(issued.token);
  EXPECT_EQ(last_used(), kT0);
  now_ += 59;  // kT0 + 119: a minute after its check
  service->Authenticate(issued.token);
  EXPECT_EQ(last_used(), kT0 + 119);
  // A pair session lives on with its use.
  EXPECT_EQ(store_->Sessions().Find(sid)->expires_at, first_expiry + 119);
  now_ += 30;
  service->Authenticate(issued.token);
  service->Refresh(*issued.refresh);
  EXPECT_EQ(last_used(), kT0 + 119);
  now_ += 30;  // kT0 + 179
  service->Authenticate(issued.token);
  EXPECT_EQ(last_used(), kT0 + 179);
}

}  // namespace
}  // namespace dfauth::token
