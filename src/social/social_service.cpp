#include "social/social_service.hpp"

#include <ctime>

#include "audit/audit.hpp"
#include "crypto/primitives.hpp"
#include "identity/email.hpp"

namespace dfauth::social {
namespace {

constexpr std::size_t kUsernameMax = 150;  // Django's username max_length
constexpr std::size_t kSuffixLength = 8;
constexpr const char* kInUse = "This account is already in use.";
constexpr const char* kEmailTaken = "User with this email already exists.";
constexpr const char* kLastLogin =
    "Cannot disconnect the only way to log in: set a password or connect another account first.";

std::string CleanUsername(std::string_view raw) {
  std::string out;
  for (char ch : raw) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == '@' || ch == '+' || ch == '-';
    if (ok) out += ch;
  }
  if (out.size() > kUsernameMax - kSuffixLength) out.resize(kUsernameMax - kSuffixLength);
  return out;
}

bool HasOtherLogin(const store::User& user) {
  bool usable_password = !user.password_hash.empty() && user.password_hash.front() != '!';
  return usable_password || (user.email && !user.email->empty()) ||
         (user.phone_number && !user.phone_number->empty());
}

}  // namespace

std::string ProposedUsername(const std::string& provider, const SocialIdentity& identity) {
  if (provider == "facebook") {
    std::string name = CleanUsername(identity.first_name + identity.last_name);
    if (!name.empty()) return name;
  }
  if (identity.email) {
    auto at = identity.email->rfind('@');
    return CleanUsername(std::string_view(*identity.email).substr(0, at));
  }
  return {};
}

SocialService::SocialService(const config::Settings& settings, store::Database& store,
                             store::SocialStore& links, token::TokenService& tokens,
                             std::map<std::string, std::unique_ptr<Provider>> providers,
                             TwoFactorGate gate, LoginCounter counter, Clock clock)
    : settings_(settings), store_(store), links_(links), tokens_(tokens),
      providers_(std::move(providers)), gate_(std::move(gate)), counter_(std::move(counter)),
      clock_(std::move(clock)) {}

int64_t SocialService::Now() const {
  return clock_ ? clock_() : static_cast<int64_t>(std::time(nullptr));
}

bool SocialService::Offers(const std::string& name) const { return providers_.count(name) != 0; }

Provider& SocialService::Find(const std::string& name) const {
  auto it = providers_.find(name);
  if (it == providers_.end())
    throw ApiError(400, "invalid_choice", "\"" + name + "\" is not a valid choice.", "provider");
  return *it->second;
}

SocialResult SocialService::Counted(const std::string& provider,
                                    const std::function<SocialResult()>& run) {
  // An unoffered name is not a label value: it would let clients grow the metric without bound.
  const std::string label = Offers(provider) ? provider : "invalid";
  try {
    SocialResult result = run();
    if (counter_) counter_(label, "success");
    return result;
  } catch (const ApiError& e) {
    if (counter_) counter_(label, e.Code());
    throw;
  }
}

SocialResult SocialService::Login(const SocialRequest& request) {
  return Counted(request.provider, [&] { return DoLogin(request); });
}

SocialResult SocialService::Connect(const store::User& caller, const SocialRequest& request) {
  return Counted(request.provider, [&] { return DoConnect(caller, request); });
}

SocialResult SocialService::DoLogin(const SocialRequest& request) {
  Provider& provider = Find(request.provider);
  SocialIdentity identity = provider.Authenticate(request.access_token, request.id_token);
  std::optional<std::string> email;
  if (identity.email) {
    std::string normalised = identity::NormalizeEmail(*identity.email);
    if (identity::IsValidEmail(normalised)) email = normalised;
  }
  const std::string& policy = settings_.social_auth_associate_by_email;

  // Decide the user first and write nothing until the 2FA gate and the active check passed,
  // so a refused attempt leaves no link behind.
  auto link = links_.FindLink(request.provider, identity.uid);
  std::optional<store::User> user;
  if (link) user = store_.Users().FindUserById(link->user_id);
  if (!user && email) {
    if (auto owner = store_.Users().FindUserByEmail(*email)) {
      bool vouched = policy == "always" || (policy == "verified" && identity.email_verified);
      // Never a second account with the address (emails are unique), never a silent takeover.
      if (!vouched) throw errors::Invalid(kEmailTaken, std::string("email"));
      user = std::move(owner);
    }
  }
  SocialResult result;
  if (user) {
    gate_(*user, request.otp, request.passkey);
    if (!user->is_active) throw errors::AuthenticationFailed();
  } else {
    // An address the provider does not vouch for is not given to the new account (it would
    // claim an address nobody proved), except under `always`, the reference's behaviour.
    user = CreateUser(request.provider, identity, email, identity.email_verified || policy == "always");
    result.created = true;
  }
  LinkAndFill(*user, request.provider, identity, link, request);
  result.tokens = tokens_.Issue(*user, request.session);
  result.user = std::move(*user);
  return result;
}

SocialResult SocialService::DoConnect(const store::User& caller, const SocialRequest& request) {
  Provider& provider = Find(request.provider);
  SocialIdentity identity = provider.Authenticate(request.access_token, request.id_token);
  auto link = links_.FindLink(request.provider, identity.uid);
  if (link && link->user_id != caller.id) throw errors::Invalid(kInUse);
  store::User user = caller;
  gate_(user, request.otp, request.passkey);
  if (!user.is_active) throw errors::AuthenticationFailed();
  LinkAndFill(user, request.provider, identity, link, request);
  if (!link)
    audit::Record(store_, Now(), {audit::event::kSocialConnected, user.id, {user.id, request.session.ip}, request.provider});
  SocialResult result;
  result.tokens = tokens_.Issue(user, request.session);
  result.user = std::move(user);
  return result;
}

store::User SocialService::CreateUser(const std::string& provider, const SocialIdentity& identity,
                                      const std::optional<std::string>& email, bool keep_email) {
  store::User user;
  if (keep_email) user.email = email;
  user.date_joined = Now();
  SocialIdentity naming = identity;
  naming.email = email;
  std::string base = ProposedUsername(provider, naming);
  std::string candidate = base.empty() ? crypto::RandomHex(16) : base;
  if (identity_check_) identity_check_(email, candidate);
  for (int attempt = 0;; ++attempt) {
    user.username = candidate;
    try {
      user.id = store_.Users().CreateUser(user);
      return user;
    } catch (const store::DuplicateError& e) {
      if (e.Field() == "email") throw errors::Invalid(kEmailTaken, std::string("email"));
      if (e.Field() != "username" || attempt >= 8) throw;
      // The reference appends a random suffix on collision (python-social-auth get_username).
      candidate = base + crypto::RandomHex(kSuffixLength / 2);
    }
  }
}

void SocialService::LinkAndFill(store::User& user, const std::string& provider,
                                const SocialIdentity& identity,
                                const std::optional<store::SocialLink>& existing,
                                const SocialRequest& request) {
  if (existing) {
    links_.UpdateExtra(existing->id, identity.extra_json);
  } else {
    store::SocialLink stored = links_.Link(user.id, provider, identity.uid, identity.extra_json, Now());
    // Another request linked the same account a moment ago, to another user.
    if (stored.user_id != user.id) throw errors::Invalid(kInUse);
  }
  bool changed = false;
  for (const auto& field : settings_.user_social_auth_fields) {
    std::string* target = field == "first_name" ? &user.first_name
                          : field == "last_name" ? &user.last_name
                                                 : nullptr;
    if (target == nullptr || !target->empty()) continue;
    const std::string& from_provider = field == "first_name" ? identity.first_name : identity.last_name;
    auto body = request.fields.find(field);
    if (!from_provider.empty()) *target = from_provider;
    else if (body != request.fields.end() && !body->second.empty()) *target = body->second;
    changed = changed || !target->empty();
  }
  if (changed) store_.Users().UpdateUser(user);
}

std::vector<store::SocialLink> SocialService::Connections(int64_t user_id, int64_t offset, int64_t limit) {
  return links_.ListLinks(user_id, offset, limit);
}

int64_t SocialService::CountConnections(int64_t user_id) { return links_.CountLinks(user_id); }

void SocialService::Disconnect(const store::User& user, const std::string& provider) {
  switch (links_.Unlink(user.id, provider, HasOtherLogin(user))) {
    case store::UnlinkResult::kRemoved:
      audit::Record(store_, Now(), {audit::event::kSocialDisconnected, user.id, {user.id, {}}, provider});
      return;
    case store::UnlinkResult::kNotLinked:
      throw errors::NotFound();
    case store::UnlinkResult::kLastLogin:
      throw errors::Invalid(kLastLogin);
  }
}

}  // namespace dfauth::social
