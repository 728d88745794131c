#include "auth/login_service.hpp"

#include <chrono>

#include "audit/audit.hpp"

#include <nlohmann/json.hpp>

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "guard/guard.hpp"
#include "identity/breached_filter.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"

namespace dfauth::auth {
namespace {

const std::string* Find(const Credentials& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() || it->second.empty() ? nullptr : &it->second;
}

LoginError WrongCredentials() { return LoginError(LoginFailure::kWrongCredentials, errors::AuthenticationFailed()); }

/// How a refused login counts against THROTTLE_LOGIN_FAILURES(_IP) (interface.md §3 2FA gate):
/// 2FA asked for without an otp is the account's failure only, so that a shared IP is not
/// locked by users who merely forgot their second factor.
guard::LoginOutcome FailureOutcome(LoginFailure failure, const Credentials& credentials, bool second_factor_given) {
  if (failure != LoginFailure::kTwoFactorRequired) return guard::LoginOutcome::kFailed;
  return credentials.contains("otp") || second_factor_given ? guard::LoginOutcome::kFailed
                                                            : guard::LoginOutcome::kFailedAccountOnly;
}

/// What a refused login's audit entry says of how it was tried (never the values).
std::string AttemptMethod(const Credentials& credentials) {
  if (credentials.contains("password")) return "password";
  if (credentials.contains("otp")) return "otp";
  return "";
}

std::string_view FailureName(LoginFailure failure) {
  switch (failure) {
    case LoginFailure::kWrongCredentials: return "wrong_credentials";
    case LoginFailure::kWrongOtp: return "wrong_otp";
    case LoginFailure::kTwoFactorRequired: return "2fa_required";
  }
  return "";
}

int64_t WallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

LoginService::LoginService(LoginOptions options, store::Database& store)
    : options_(std::move(options)), store_(store) {}

LoginService::LoginService(LoginOptions options, store::Database& store, otp::DeviceService* devices,
                           guard::Guard* guard)
    : options_(std::move(options)), store_(store), devices_(devices), guard_(guard) {}

LoginError LoginService::WrongOtp() const {
  // PREVENT_ENUMERATION: a wrong code for a known address answers as an unknown address does.
  if (options_.prevent_enumeration) return LoginError(LoginFailure::kWrongOtp, errors::AuthenticationFailed());
  return LoginError(LoginFailure::kWrongOtp, ApiError(400, "wrong_otp", "Wrong or expired one-time password"));
}

std::optional<Authenticated> LoginService::OtpBackend(config::AuthBackend backend,
                                                      const Credentials& credentials) {
  if (devices_ == nullptr) return std::nullopt;
  const bool email = backend == config::AuthBackend::kEmailOtp;
  const std::string* value = Find(credentials, email ? "email" : "phone_number");
  const std::string* code = Find(credentials, "otp");
  if (!value || !code) return std::nullopt;
  std::string destination;
  std::optional<store::User> user;
  if (email) {
    destination = identity::NormalizeEmail(*value);
    user = store_.Users().FindUserByEmail(destination);
  } else {
    auto phone = identity::ParsePhone(*value);
    if (!phone) return std::nullopt;
    destination = phone->e164;
    user = store_.Users().FindUserByPhone(destination);
  }
  if (!user) {
    // DEFER_IDENTITY_UPDATE: the address may still be pending on unconfirmed devices (an
    // invitation link, the code sent at sign-up); the code then confirms the device it opens.
    auto pending = devices_->SignInWithPendingAddress(email ? "email" : "sms", destination, *code);
    if (pending.user) return Authenticated{std::move(*pending.user), backend, false};
    if (pending.tried) throw WrongOtp();
    return std::nullopt;
  }
  if (!user->is_active) return std::nullopt;
  // Confirmation is not required to log in (reference §4.3); it decides the 2FA gate below.
  auto device = devices_->FindByDestination(user->id, email ? "email" : "sms", destination);
  if (!device) return std::nullopt;
  if (devices_->Verify(*device, *code) != otp::Verification::kOk)
    throw WrongOtp();
  return Authenticated{std::move(*user), backend, device->confirmed};
}

std::optional<store::User> LoginService::FindByIdentity(config::IdentityField field,
                                                        const std::string& value) {
  switch (field) {
    case config::IdentityField::kUsername:
      return store_.Users().FindUserByUsername(value);
    case config::IdentityField::kEmail:
      return store_.Users().FindUserByEmail(identity::NormalizeEmail(value));
    case config::IdentityField::kPhoneNumber:
      if (auto phone = identity::ParsePhone(value)) return store_.Users().FindUserByPhone(phone->e164);
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<store::User> LoginService::PasswordBackend(const Credentials& credentials) {
  const std::string* password = Find(credentials, "password");
  if (!password) return std::nullopt;
  const crypto::Argon2Params& params = options_.argon2;
  // Any identity field may name the account (interface.md §3), tried in configured order.
  for (const auto field : options_.identity_fields) {
    const std::string* value = Find(credentials, std::string(config::Name(field)));
    if (!value) continue;
    auto user = FindByIdentity(field, *value);
    if (!user) {
      crypto::BurnVerifyTime(params);  // an unknown account costs what a known one does
      return std::nullopt;
    }
    auto result = crypto::VerifyPassword(*password, user->password_hash, params);
    if (!result.ok || !user->is_active) return std::nullopt;
    if (result.needs_upgrade) {
      if (options_.breached && options_.on_breached_import && user->password_hash.starts_with("pbkdf2_sha256$") &&
          options_.breached->Contains(*password))
        options_.on_breached_import(user->id);
      std::string upgraded = crypto::HashPassword(*password, params);
      if (store_.Users().ReplacePasswordHash(user->id, user->password_hash, upgraded))
        user->password_hash = upgraded;
    }
    return user;
  }
  return std::nullopt;
}

std::optional<store::User> LoginService::TestEmailBackend(const Credentials& credentials) {
  if (options_.test_user_email.empty()) return std::nullopt;
  const std::string* email = Find(credentials, "email");
  if (!email || identity::NormalizeEmail(*email) != identity::NormalizeEmail(options_.test_user_email))
    return std::nullopt;
  return store_.Users().FindUserByEmail(identity::NormalizeEmail(*email));
}

std::optional<Authenticated> LoginService::Identify(const Credentials& credentials) {
  for (const auto backend : options_.backends) {
    std::optional<store::User> user;
    switch (backend) {
      case config::AuthBackend::kPassword: user = PasswordBackend(credentials); break;
      case config::AuthBackend::kTestEmail: user = TestEmailBackend(credentials); break;
      case config::AuthBackend::kSmsOtp:
      case config::AuthBackend::kEmailOtp:
        if (auto found = OtpBackend(backend, credentials)) return found;
        break;
    }
    if (user) return Authenticated{std::move(*user), backend};
  }
  return std::nullopt;
}

std::optional<std::string> LoginService::NamedAccount(const Credentials& credentials) {
  for (const auto field : options_.identity_fields) {
    auto it = credentials.find(std::string(config::Name(field)));
    if (it == credentials.end()) continue;
    auto user = FindByIdentity(field, it->second);
    return user ? std::optional<std::string>(std::to_string(user->id)) : std::nullopt;
  }
  return std::nullopt;
}

Authenticated LoginService::Login(const Credentials& credentials, std::string_view client_ip,
                                  const SecondFactor& passkey) {
  // A refusal is audited (the success is, with its session, by the token service).
  auto account = NamedAccount(credentials);
  auto refused = [&](const char* outcome, std::string_view why) {
    std::optional<int64_t> user_id;
    if (account) user_id = std::stoll(*account);
    audit::Record(store_, devices_ ? devices_->Now() : WallClock(),
                  {audit::event::kLogin, user_id, {std::nullopt, std::string(client_ip)}, AttemptMethod(credentials),
                   outcome, std::string(why)});
  };
  if (guard_ == nullptr) {
    try {
      return Authenticate(credentials, passkey);
    } catch (const LoginError& e) {
      refused(audit::kFailure, FailureName(e.Failure()));
      throw;
    }
  }
  auto ticket = guard_->AdmitLogin(account, client_ip);
  if (!ticket) {
    refused(audit::kLocked, "");
    throw errors::AuthenticationFailed();
  }
  try {
    Authenticated done = Authenticate(credentials, passkey);
    guard_->FinishLogin(*ticket, guard::LoginOutcome::kSucceeded);
    return done;
  } catch (const LoginError& e) {
    guard_->FinishLogin(*ticket, FailureOutcome(e.Failure(), credentials, static_cast<bool>(passkey)));
    refused(audit::kFailure, FailureName(e.Failure()));
    throw;
  } catch (...) {
    guard_->FinishLogin(*ticket, guard::LoginOutcome::kNotCounted);  // bad input, 503: nothing judged
    throw;
  }
}

Authenticated LoginService::Authenticate(const Credentials& credentials, const SecondFactor& passkey) {
  auto found = Identify(credentials);
  if (!found) throw WrongCredentials();
  const store::User* user = &found->user;
  auto otp = credentials.find("otp");
  if (found->method == config::AuthBackend::kSmsOtp || found->method == config::AuthBackend::kEmailOtp) {
    // The code was spent on the first factor: it passes the gate only from a confirmed device,
    // and is never tried again on the others (that would count failures on them).
    if (!found->second_factor) PassTwoFactorGate(*user, std::nullopt);
  } else {
    PassTwoFactorGate(*user, otp == credentials.end() ? std::nullopt : std::optional<std::string>(otp->second),
                      passkey);
  }
  if (!user->is_active) throw WrongCredentials();
  return std::move(*found);
}

void LoginService::PassTwoFactorGate(const store::User& user, const std::optional<std::string>& otp,
                                     const SecondFactor& passkey) {
  if (!user.two_fa_required) return;
  std::string refused_passkey;  // the log detail of a passkey that did not prove the user
  if (passkey) {
    try {
      passkey(user);
      return;
    } catch (const ApiError& e) {
      if (e.Status() != 401) throw;  // malformed: 400, nothing judged
      refused_passkey = e.LogDetail();
    }
  }
  std::vector<store::Device> devices;
  if (devices_ != nullptr) devices = devices_->ConfirmedDevices(user.id);
  // Without an otp nothing is tried, so nothing is counted on any device (interface.md §3).
  if (devices_ != nullptr && otp && !otp->empty()) {
    const int64_t now = devices_->Now();
    for (const auto& device : devices) {
      // Only devices the code could belong to are checked (and charged a failure when wrong).
      if (!otp::CouldMatch(device, *otp)) continue;
      if ((device.type == "email" || device.type == "sms") && !otp::HasLiveCode(device, now)) continue;
      if (devices_->Verify(device, *otp) == otp::Verification::kOk) return;
    }
  }
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& d : devices)
    list.push_back(nlohmann::ordered_json{{"id", d.id}, {"name", d.name}, {"type", d.type},
                                          {"confirmed", true}, {"extra_data", nlohmann::ordered_json::object()}});
  for (const auto& p : store_.Passkeys().ListPasskeys(user.id))
    list.push_back(nlohmann::ordered_json{{"id", p.id}, {"name", p.name}, {"type", "passkey"},
                                          {"confirmed", true}, {"extra_data", nlohmann::ordered_json::object()}});
  nlohmann::ordered_json extra = {{"devices", list}};
  throw LoginError(LoginFailure::kTwoFactorRequired,
                   ApiError(401, "2fa_required", "2FA is required for this user.")
                       .WithExtraData(extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                       .WithLogDetail(std::move(refused_passkey)));
}

}  // namespace dfauth::auth
