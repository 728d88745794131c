#include "auth/password_reset.hpp"

#include <algorithm>

#include "crypto/primitives.hpp"
#include "dfauth/error.hpp"
#include "notify/magic_link.hpp"
#include "otp/address.hpp"
#include "otp/code.hpp"
#include "otp/verifier.hpp"

namespace dfauth::auth {
namespace {

/// The refusal of every wrong, used, expired or foreign code, and of an unknown address: the
/// code name the OTP login uses, on the field.
ApiError WrongCode() { return ApiError(400, "wrong_otp", "Wrong or expired one-time password", "otp"); }


}  // namespace

PasswordResetService::PasswordResetService(const config::Settings& settings, store::Database& store,
                                           otp::DeviceService& devices, identity::UserService& users,
                                           LoginService& login, notify::Notifier& notifier,
                                           DestinationAllowed allowed)
    : settings_(settings), store_(store), devices_(devices), users_(users), login_(login), notifier_(notifier),
      allowed_(std::move(allowed)),
      hash_key_(crypto::HexEncode(crypto::HmacSha256(settings.secret_key, "dfauth password reset"))) {}

std::optional<store::User> PasswordResetService::Holder(const ResetAddress& address) {
  auto user = address.channel == "email" ? store_.Users().FindUserByEmail(address.destination)
                                         : store_.Users().FindUserByPhone(address.destination);
  if (!user || !user->is_active) return std::nullopt;
  return user;
}

void PasswordResetService::Request(const ResetAddress& address) {
  auto user = Holder(address);
  if (!user || (allowed_ && !allowed_(address.destination))) {
    // The same kind of work as for an account: the send counter (so 429 comes alike) and a
    // code made and hashed; nothing is stored or sent.
    devices_.CountSend(address.destination);
    (void)otp::HashCode(hash_key_, 0, otp::GenerateNumericCode());
    return;
  }
  store::Device row = store_.PasswordResets().EnsureReset(user->id, address.channel, address.destination,
                                                         devices_.Now());
  const int64_t validity = settings_.password_reset_timeout;
  auto code = devices_.IssueCodeOn(row, validity, devices_.CooldownOf(address.channel), hash_key_,
                                   [this](int64_t id, const std::function<bool(store::Device&)>& mutate) {
                                     return store_.PasswordResets().UpdateReset(id, mutate);
                                   });
  if (!code) return;  // cooldown: the code sent before stays valid
  notify::Message message;
  message.to = address.destination;
  message.variables = {{"code", *code}, {"username", user->username}, {"valid_minutes", otp::ValidMinutes(validity)}};
  if (address.channel == "email") {
    message.channel = notify::Channel::kEmail;
    message.template_name = "password_reset_email";
    message.variables["email"] = address.destination;
    message.variables["reset_link"] = notify::PasswordResetLink(settings_, address.destination, *code);
  } else {
    message.channel = notify::Channel::kSms;
    message.template_name = "password_reset_sms";
    message.variables["phone_number"] = address.destination;
  }
  notifier_.Enqueue(message);
}

otp::Verification PasswordResetService::Try(int64_t row_id, const std::string& code, bool spend) {
  const otp::VerifyPolicy policy{hash_key_, settings_.otp_max_attempts, settings_.otp_throttle_factor};
  const int64_t now = devices_.Now();
  otp::Verification result = otp::Verification::kWrong;
  store_.PasswordResets().UpdateReset(row_id, [&](store::Device& row) {
    store::Device tried = row;
    result = otp::ApplyVerification(tried, code, now, policy);
    // A wrong code is always written (one attempt counted, void at OTP_MAX_ATTEMPTS); a right
    // one only when spent; a parallel loser of the spend finds it gone and writes nothing.
    const bool write = spend ? result == otp::Verification::kOk : result == otp::Verification::kWrong;
    if (write) row = tried;
    return write;
  });
  return result;
}

store::User PasswordResetService::Confirm(const ResetAddress& address, const std::string& code,
                                          const std::string& new_password,
                                          const std::optional<std::string>& two_fa_otp,
                                          const SecondFactor& passkey) {
  auto user = Holder(address);
  if (!user) throw WrongCode();
  auto row = store_.PasswordResets().FindReset(user->id, address.channel);
  // The code belongs to the address it was sent to.
  if (!row || otp::LowerAscii(row->destination) != otp::LowerAscii(address.destination)) throw WrongCode();
  if (!otp::LooksNumeric(code) || Try(row->id, code, /*spend=*/false) != otp::Verification::kOk) throw WrongCode();
  users_.CheckNewPassword(new_password);
  login_.PassTwoFactorGate(*user, two_fa_otp, passkey);
  if (Try(row->id, code, /*spend=*/true) != otp::Verification::kOk) throw WrongCode();
  users_.ResetPassword(*user, new_password);
  NotifyChanged(*user);
  // Re-read: the new tokens must be issued past the revocation time just set.
  auto fresh = store_.Users().FindUserById(user->id);
  if (!fresh) throw errors::NotFound();
  return *fresh;
}

void PasswordResetService::NotifyChanged(const store::User& user) {
  if (!user.email) return;  // a phone-only account has no address to mail
  notify::Message message;
  message.channel = notify::Channel::kEmail;
  message.to = *user.email;
  message.template_name = "password_changed_email";
  message.variables = {{"username", user.username}, {"email", *user.email}};
  notifier_.Enqueue(message);
}

}  // namespace dfauth::auth
