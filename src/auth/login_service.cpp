#include "auth/login_service.hpp"

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"

namespace dfauth::auth {
namespace {

const std::string* Find(const Credentials& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

LoginService::LoginService(const config::Settings& settings, store::Store& store)
    : settings_(settings), store_(store) {}

std::optional<store::User> LoginService::FindByIdentity(const std::string& field,
                                                        const std::string& value) {
  if (field == "username") return store_.FindUserByUsername(value);
  if (field == "email") return store_.FindUserByEmail(identity::NormalizeEmail(value));
  if (field == "phone_number") {
    auto phone = identity::ParsePhone(value);
    if (!phone) return std::nullopt;
    return store_.FindUserByPhone(phone->e164);
  }
  return std::nullopt;
}

std::optional<store::User> LoginService::PasswordBackend(const Credentials& credentials) {
  const std::string* password = Find(credentials, "password");
  if (!password) return std::nullopt;
  crypto::Argon2Params params{static_cast<uint64_t>(settings_.argon2_memory_kib),
                              static_cast<uint32_t>(settings_.argon2_time_cost)};
  // Any identity field may name the account (interface.md §3), tried in configured order.
  for (const auto& field : settings_.user_identity_fields) {
    const std::string* value = Find(credentials, field);
    if (!value) continue;
    auto user = FindByIdentity(field, *value);
    if (!user) {
      crypto::BurnVerifyTime(params);  // an unknown account costs what a known one does
      return std::nullopt;
    }
    auto result = crypto::VerifyPassword(*password, user->password_hash, params);
    if (!result.ok || !user->is_active) return std::nullopt;
    if (result.needs_upgrade) {
      std::string upgraded = crypto::HashPassword(*password, params);
      if (store_.ReplacePasswordHash(user->id, user->password_hash, upgraded))
        user->password_hash = upgraded;
    }
    return user;
  }
  return std::nullopt;
}

std::optional<store::User> LoginService::TestEmailBackend(const Credentials& credentials) {
  if (settings_.test_user_email.empty()) return std::nullopt;
  const std::string* email = Find(credentials, "email");
  if (!email || identity::NormalizeEmail(*email) != identity::NormalizeEmail(settings_.test_user_email))
    return std::nullopt;
  return store_.FindUserByEmail(identity::NormalizeEmail(*email));
}

std::optional<Authenticated> LoginService::Identify(const Credentials& credentials) {
  for (const auto& backend : settings_.authentication_backends) {
    std::optional<store::User> user;
    if (backend == "password") user = PasswordBackend(credentials);
    else if (backend == "test_email") user = TestEmailBackend(credentials);
    // sms_otp / email_otp: no OTP devices exist in this version, so they never match.
    if (user) return Authenticated{std::move(*user), backend};
  }
  return std::nullopt;
}

Authenticated LoginService::Login(const Credentials& credentials) {
  auto found = Identify(credentials);
  if (!found) throw errors::AuthenticationFailed();
  const store::User* user = &found->user;
  auto otp = credentials.find("otp");
  PassTwoFactorGate(*user, otp == credentials.end() ? std::nullopt : std::optional<std::string>(otp->second));
  if (!user->is_active) throw errors::AuthenticationFailed();
  return std::move(*found);
}

void LoginService::PassTwoFactorGate(const store::User& user, const std::optional<std::string>& otp) {
  if (!user.two_fa_required) return;
  // No OTP device types exist in this version: no device can pass the gate.
  throw ApiError(401, "2fa_required", "2FA is required for this user.").WithExtraData(R"({"devices":[]})");
}

}  // namespace dfauth::auth
