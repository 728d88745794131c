#pragma once
// Social login and connect (reference-contract R17, R18, §4.5 with interface.md §3/§4 fixes):
// the provider proves the account, the pipeline finds or creates the user, the 2FA gate and the
// active check run, and tokens are issued. Blocks (provider HTTP, database): run it on a pool.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "social/provider.hpp"
#include "store/social_store.hpp"
#include "store/database.hpp"
#include "token/token_service.hpp"

namespace dfauth::social {

/// What a client sent to social/ or social/connect/.
struct SocialRequest {
  std::string provider;
  std::string access_token;
  std::optional<std::string> id_token;
  std::map<std::string, std::string> fields;  ///< USER_SOCIAL_AUTH_FIELDS from the body
  std::optional<std::string> otp;
  /// A passkey assertion in place of `otp` (its verification, opaque here), when the body has one.
  std::function<void(const store::User&)> passkey;
  token::SessionStart session;  ///< the client, for the session the sign-in starts
};

struct SocialResult {
  token::IssuedTokens tokens;
  store::User user;
  bool created = false;  ///< a new user was created
};

class SocialService {
 public:
  /// The 2FA gate (auth::LoginService::PassTwoFactorGate) with the request's `otp` and
  /// `passkey`, passed in so social does not depend on auth.
  using TwoFactorGate = std::function<void(const store::User&, const std::optional<std::string>&,
                                           const std::function<void(const store::User&)>&)>;
  /// Counts one attempt: provider name and outcome ("success" or the error code).
  using LoginCounter = std::function<void(const std::string& provider, const std::string& outcome)>;
  using Clock = std::function<int64_t()>;

  SocialService(const config::Settings& settings, store::Database& store, store::SocialStore& links,
                token::TokenService& tokens, std::map<std::string, std::unique_ptr<Provider>> providers,
                TwoFactorGate gate, LoginCounter counter = {}, Clock clock = {});

  /// The blacklist check run before a social sign-up creates a user (the guard's
  /// CheckEmail/CheckUsername, passed in so social does not depend on guard); it throws
  /// ApiError 400 blacklisted to refuse.
  using IdentityCheck = std::function<void(const std::optional<std::string>& email, const std::string& username)>;
  void SetIdentityCheck(IdentityCheck check) { identity_check_ = std::move(check); }

  /// Whether `name` is an offered provider.
  bool Offers(const std::string& name) const;

  /// Social login of an anonymous caller (R17): the linked user, else the user with the email
  /// (SOCIAL_AUTH_ASSOCIATE_BY_EMAIL), else a new user. Throws ApiError (400 invalid_choice,
  /// 400 invalid on email, 401 authentication_failed, 401 2fa_required, 502 provider_error).
  SocialResult Login(const SocialRequest& request);

  /// Links the provider account to `caller` (R18) and issues fresh tokens for the caller;
  /// 400 invalid "This account is already in use." when it belongs to someone else.
  SocialResult Connect(const store::User& caller, const SocialRequest& request);

  /// The user's links ordered by id, and how many there are.
  std::vector<store::SocialLink> Connections(int64_t user_id, int64_t offset, int64_t limit);
  int64_t CountConnections(int64_t user_id);

  /// Removes the user's links to `provider`: 404 not_found when there is none, 400 invalid
  /// when it would leave the user no way to log in (no usable password, email, phone or other link).
  void Disconnect(const store::User& user, const std::string& provider);

 private:
  Provider& Find(const std::string& name) const;
  SocialResult Counted(const std::string& provider, const std::function<SocialResult()>& run);
  SocialResult DoLogin(const SocialRequest& request);
  SocialResult DoConnect(const store::User& caller, const SocialRequest& request);
  store::User CreateUser(const std::string& provider, const SocialIdentity& identity,
                         const std::optional<std::string>& email, bool keep_email);
  void LinkAndFill(store::User& user, const std::string& provider, const SocialIdentity& identity,
                   const std::optional<store::SocialLink>& existing, const SocialRequest& request);
  int64_t Now() const;

  const config::Settings& settings_;
  store::Database& store_;
  store::SocialStore& links_;
  token::TokenService& tokens_;
  std::map<std::string, std::unique_ptr<Provider>> providers_;
  TwoFactorGate gate_;
  LoginCounter counter_;
  IdentityCheck identity_check_;
  Clock clock_;
};

/// The username a new social user proposes before uniqueness (reference §4.5 step 4): the
/// email's local part (Facebook: the Graph name), cleaned to [A-Za-z0-9_.@+-]; "" when none.
std::string ProposedUsername(const std::string& provider, const SocialIdentity& identity);

}  // namespace dfauth::social
