#include "auth/identity_change.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <charconv>
#include <optional>

#include "audit/audit.hpp"
#include "crypto/primitives.hpp"
#include "dfauth/error.hpp"
#include "notify/magic_link.hpp"
#include "otp/address.hpp"
#include "store/errors.hpp"

namespace dfauth::auth {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr std::size_t kSecretBytes = 32;
/// "<id>.<secret>": at most 19 digits, a dot and the base64url of kSecretBytes.
constexpr std::size_t kMaxTokenLength = 19 + 1 + 64;

/// The refusal of every used, expired, unknown, foreign or malformed undo token.
ApiError InvalidToken() {
  return ApiError(400, "invalid_token", "The undo link is invalid, used or expired.", "token");
}

/// The row id of "<id>.<secret>" and the secret, or nullopt when it has not that shape.
std::optional<std::pair<int64_t, std::string_view>> SplitToken(std::string_view token) {
  if (token.size() > kMaxTokenLength) return std::nullopt;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == token.size()) return std::nullopt;
  int64_t id = 0;
  const char* end = token.data() + dot;
  auto [ptr, ec] = std::from_chars(token.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0) return std::nullopt;
  return std::make_pair(id, token.substr(dot + 1));
}

std::optional<std::string>& FieldOf(store::User& user, const std::string& field) {
  return field == "email" ? user.email : user.phone_number;
}

/// The same address: emails compare case-insensitively, phone numbers (E.164) exactly.
bool SameAddress(const std::string& field, const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return field == "email" ? otp::LowerAscii(*a) == otp::LowerAscii(*b) : *a == *b;
}

}  // namespace

IdentityChangeService::IdentityChangeService(const config::Settings& settings, store::Database& store,
                                             identity::UserService& users, PasswordResetService& resets,
                                             notify::Notifier& notifier, Clock clock)
    : settings_(settings), store_(store), users_(users), resets_(resets), notifier_(notifier),
      clock_(std::move(clock)),
      hash_key_(crypto::HexEncode(crypto::HmacSha256(settings.secret_key, "dfauth identity change undo"))) {}

int64_t IdentityChangeService::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IdentityChangeService::HashSecret(std::string_view secret) const {
  return crypto::HexEncode(crypto::HmacSha256(hash_key_, secret));
}

void IdentityChangeService::Changed(const store::User& before, const store::User& after) {
  for (const std::string field : {"email", "phone_number"}) {
    store::User old_user = before;
    store::User new_user = after;
    const auto& old_value = FieldOf(old_user, field);
    const auto& new_value = FieldOf(new_user, field);
    // Only an address that existed can be told and restored.
    if (!old_value || old_value->empty() || SameAddress(field, old_value, new_value)) continue;
    const std::string secret = crypto::Base64UrlEncode(crypto::RandomBytes(kSecretBytes));
    store::IdentityChange change;
    change.user_id = after.id;
    change.field = field;
    change.old_value = *old_value;
    change.new_value = new_value.value_or("");
    change.token_hash = HashSecret(secret);
    change.created_at = Now();
    change.expires_at = change.created_at + settings_.identity_change_undo_days * kSecondsPerDay;
    const int64_t id = store_.AccountSafety().AddIdentityChange(change);
    SendNotice(after, field, change.old_value, change.new_value, std::to_string(id) + "." + secret);
    audit::Record(store_, change.created_at, {audit::event::kIdentityChanged, after.id, {after.id, {}}, "", audit::kSuccess, field});
  }
}

void IdentityChangeService::SendNotice(const store::User& user, const std::string& field,
                                       const std::string& old_value, const std::string& new_value,
                                       const std::string& token) {
  notify::Message message;
  message.to = old_value;
  message.variables = {{"username", user.username},
                       {"undo_link", notify::IdentityChangeUndoLink(settings_, token)},
                       {"valid_days", std::to_string(settings_.identity_change_undo_days)},
                       {"new_value", new_value}};
  if (field == "email") {
    message.channel = notify::Channel::kEmail;
    message.template_name = "identity_changed_email";
    message.variables["email"] = old_value;
    message.variables["what"] = "email address";
  } else {
    message.channel = notify::Channel::kSms;
    message.template_name = "identity_changed_sms";
    message.variables["phone_number"] = old_value;
    message.variables["what"] = "phone number";
  }
  notifier_.Enqueue(message);
}

store::User IdentityChangeService::Undo(const std::string& token) {
  auto parts = SplitToken(token);
  if (!parts) throw InvalidToken();
  auto change = store_.AccountSafety().FindIdentityChange(parts->first);
  if (!change || !crypto::ConstantTimeEquals(HashSecret(parts->second), change->token_hash)) throw InvalidToken();
  const int64_t now = Now();
  if (change->used_at != 0 || now >= change->expires_at) throw InvalidToken();
  auto user = store_.Users().FindUserById(change->user_id);
  if (!user) throw InvalidToken();
  const bool email = change->field == "email";
  auto holder = email ? store_.Users().FindUserByEmail(change->old_value)
                      : store_.Users().FindUserByPhone(change->old_value);
  if (holder && holder->id != user->id)
    throw ApiError(409, "conflict", "The old address now belongs to another account.", "token");
  if (!store_.AccountSafety().SpendIdentityChange(change->id, now)) throw InvalidToken();

  store::User restored = *user;
  FieldOf(restored, change->field) = change->old_value;
  try {
    store_.Users().UpdateUser(restored);
  } catch (const store::DuplicateError&) {
    throw ApiError(409, "conflict", "The old address now belongs to another account.", "token");
  }
  // The address that replaced it signs in no more: its device goes (with OTP_IDENTITY_UPDATE_FIELD
  // it was the way the change was made).
  if (!change->new_value.empty()) {
    const std::string type = email ? "email" : "sms";
    if (auto device = store_.Devices().FindDeviceByDestination(user->id, type, change->new_value))
      store_.Devices().DeleteDevice(user->id, type, device->id);
  }
  users_.RevokeSignIns(user->id);
  try {
    resets_.Request({email ? "email" : "sms", change->old_value});
  } catch (const ApiError& e) {
    // THROTTLE_OTP_SEND or a cooldown: the address is back; a code can be asked for again.
    spdlog::warn("identity-change undo of user {}: no password-reset code sent ({})", user->id, e.Code());
  }
  audit::Record(store_, now, {audit::event::kIdentityChangeUndone, user->id, {}, "", audit::kSuccess, change->field});
  return restored;
}

}  // namespace dfauth::auth
