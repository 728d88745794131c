#include "identity/user_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "crypto/password.hpp"
#include "dfauth/error.hpp"
#include "identity/email.hpp"
#include "identity/field_types.hpp"
#include "identity/password_policy.hpp"
#include "identity/phone.hpp"
#include "identity/username.hpp"

namespace dfauth::identity {
namespace {

constexpr std::size_t kMaxNameLength = 150;
constexpr std::size_t kMaxEmailLength = 254;

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string DuplicateMessage(const std::string& field) {
  if (field == "email") return "User with this email already exists.";
  if (field == "phone_number") return "User with this phone number already exists.";
  return "A user with that username already exists.";
}

/// 400 invalid "… already exists." on `field` alone (a race lost in the store, a derived username).
DuplicateIdentityError Taken(const std::string& field) {
  return DuplicateIdentityError(400, "invalid", DuplicateMessage(field), field);
}

/// Collects field errors in field order, then throws them as one 400.
class Errors {
 public:
  void Add(std::string code, std::string message, std::optional<std::string> field) {
    entries_.push_back({std::move(code), std::move(message), std::move(field), {}});
  }
  void Invalid(std::string message, std::string field) { Add("invalid", std::move(message), std::move(field)); }
  /// 400 invalid "… already exists." on `field`.
  void Duplicate(const std::string& field) {
    Invalid(DuplicateMessage(field), field);
    ++duplicates_;
  }
  bool Has(std::string_view field) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const ErrorEntry& e) { return e.field && *e.field == field; });
  }
  void ThrowIfAny() const {
    if (entries_.empty()) return;
    if (duplicates_ == entries_.size()) throw DuplicateIdentityError(400, entries_);
    throw ApiError(400, entries_);
  }

 private:
  std::vector<ErrorEntry> entries_;
  std::size_t duplicates_ = 0;
};

std::string MaxLengthMessage(std::size_t n) {
  return "Ensure this field has no more than " + std::to_string(n) + " characters.";
}

crypto::Argon2Params HashParams(const config::Settings& s) {
  return crypto::Argon2Params{static_cast<uint64_t>(s.argon2_memory_kib),
                              static_cast<uint32_t>(s.argon2_time_cost)};
}

}  // namespace

UserService::UserService(const config::Settings& settings, store::Database& store, Clock clock)
    : UserService(settings, store, nullptr, std::move(clock)) {}

UserService::UserService(const config::Settings& settings, store::Database& store,
                         store::DeviceStore* devices, Clock clock)
    : settings_(settings), store_(store), devices_(devices), clock_(std::move(clock)) {
  for (const auto& f : settings_.user_optional_fields)
    if (!Contains(writable_fields_, f)) writable_fields_.push_back(f);
  for (const auto& f : config::Names(settings_.user_identity_fields))
    if (!Contains(writable_fields_, f)) writable_fields_.push_back(f);
  for (const auto& [name, type] : settings_.user_extra_fields) writable_fields_.push_back(name);
}

int64_t UserService::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool UserService::HasConfirmedDevice(int64_t user_id, const std::string& type,
                                     const std::string& destination) const {
  if (devices_ == nullptr) return false;
  auto lower = [](std::string text) {
    for (auto& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return text;
  };
  for (const auto& d : devices_->ListDevices(user_id))
    if (d.confirmed && d.type == type && lower(d.destination) == lower(destination)) return true;
  return false;
}

void UserService::CreateSignupDevice(int64_t user_id, config::DeviceType type,
                                     const std::string& destination) {
  if (devices_ == nullptr || !config::Includes(settings_.otp_device_types, type)) return;
  store::Device device;
  device.user_id = user_id;
  device.type = config::Name(type);
  device.name = destination;
  device.destination = destination;
  device.confirmed = false;
  device.created_at = Now();
  devices_->CreateDevice(device);
}

namespace {

/// Whether the caller holds a confirmed device of (type, destination): the PATCH rule.
using ConfirmedCheck = std::function<bool(const std::string& type, const std::string& destination)>;

/// Validates one built-in or extra field into `user`; records errors. `creating` selects the
/// sign-up rules (duplicates pre-checked) from the PATCH rules (identities need a confirmed device).
/// The email field: its form (EmailField), normalised, unique on sign-up, a confirmed device's
/// address on update.
void ApplyEmail(const config::Settings& settings, store::Database& store, const std::string& value, bool creating,
                store::User& user, Errors& errors, const ConfirmedCheck& confirmed) {
  if (value.empty()) {
    user.email.reset();
    return;
  }
  if (value.size() > kMaxEmailLength) return errors.Add("max_length", MaxLengthMessage(kMaxEmailLength), "email");
  auto type = settings.user_field_types.find("email");
  if (type != settings.user_field_types.end() && type->second == "EmailField" && !IsValidEmail(value))
    return errors.Invalid("Enter a valid email address.", "email");
  std::string normalized = NormalizeEmail(value);
  if (!creating) {
    if (!confirmed || !confirmed("email", normalized))
      return errors.Invalid("You need to confirm your email first.", "email");
    user.email = normalized;
    return;
  }
  if (store.Users().FindUserByEmail(normalized)) return errors.Duplicate("email");
  user.email = normalized;
}

void ApplyField(const config::Settings& settings, const BreachedFilter* breached, store::Database& store,
                const std::string& name,
                const std::string& value, bool creating, store::User& user, nlohmann::json& extra,
                Errors& errors, const ConfirmedCheck& confirmed = {}) {
  if (name == "username") {
    if (value.empty()) {
      if (!creating) errors.Add("blank", "This field may not be blank.", name);
      return;
    }
    if (value.size() > kMaxNameLength) return errors.Add("max_length", MaxLengthMessage(kMaxNameLength), name);
    if (value != user.username) {
      auto other = store.Users().FindUserByUsername(value);
      if (other && other->id != user.id) return errors.Duplicate(name);
    }
    user.username = value;
  } else if (name == "email") {
    ApplyEmail(settings, store, value, creating, user, errors, confirmed);
  } else if (name == "phone_number") {
    if (value.empty()) {
      user.phone_number.reset();
      return;
    }
    auto phone = ParsePhone(value);
    if (!phone) return errors.Invalid("Enter a valid phone number.", name);
    if (!creating) {
      if (!confirmed || !confirmed("sms", phone->e164))
        return errors.Invalid("You need to confirm your phone number first.", name);
      user.phone_number = phone->e164;
      return;
    }
    if (store.Users().FindUserByPhone(phone->e164)) return errors.Duplicate(name);
    user.phone_number = phone->e164;
  } else if (name == "first_name" || name == "last_name") {
    if (value.size() > kMaxNameLength) return errors.Add("max_length", MaxLengthMessage(kMaxNameLength), name);
    (name == "first_name" ? user.first_name : user.last_name) = value;
  } else if (name == "password") {
    if (!creating)
      return errors.Invalid("The password cannot be changed here; use set-password/.", name);
    if (value.empty()) return;
    if (auto problem = CheckPassword(value, static_cast<std::size_t>(settings.password_min_length), breached))
      return errors.Add(problem->code, problem->message, name);
  } else if (auto it = settings.user_extra_fields.find(name); it != settings.user_extra_fields.end()) {
    auto parsed = ParseExtraField(it->second, value);
    if (!parsed.ok) return errors.Invalid(parsed.error, name);
    extra[name] = nlohmann::json::parse(parsed.json);
  }
}

nlohmann::json ParseExtra(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

/// Stores a new user and sets its id; a username, email or phone another insert took first is
/// a DuplicateIdentityError on that field.
void InsertUser(store::Database& store, store::User& user) {
  try {
    user.id = store.Users().CreateUser(user);
  } catch (const store::DuplicateError& e) {
    throw Taken(e.Field());
  }
}

struct PendingAddresses {
  std::optional<std::string> email, phone;
};

/// DEFER_IDENTITY_UPDATE: email and phone go to unconfirmed devices only, so they are taken out
/// of `input`, checked for form here and never for uniqueness (several users may register one
/// unconfirmed address).
PendingAddresses TakePendingAddresses(const config::Settings& settings, const std::vector<std::string>& writable,
                                      FieldValues& input, Errors& errors) {
  PendingAddresses pending;
  if (auto it = input.find("email"); it != input.end() && Contains(writable, "email")) {
    const std::string& value = it->second;
    auto type = settings.user_field_types.find("email");
    if (value.size() > kMaxEmailLength) errors.Add("max_length", MaxLengthMessage(kMaxEmailLength), "email");
    else if (!value.empty() && type != settings.user_field_types.end() && type->second == "EmailField" &&
             !IsValidEmail(value))
      errors.Invalid("Enter a valid email address.", "email");
    else if (!value.empty()) pending.email = NormalizeEmail(value);
    input.erase(it);
  }
  if (auto it = input.find("phone_number"); it != input.end() && Contains(writable, "phone_number")) {
    if (!it->second.empty()) {
      auto phone = ParsePhone(it->second);
      if (!phone) errors.Invalid("Enter a valid phone number.", "phone_number");
      else pending.phone = phone->e164;
    }
    input.erase(it);
  }
  return pending;
}

}  // namespace

store::User UserService::Register(const FieldValues& submitted, std::optional<int64_t> inviter) {
  store::User user;
  nlohmann::json extra = nlohmann::json::object();
  Errors errors;
  FieldValues input = submitted;
  const PendingAddresses pending =
      settings_.defer_identity_update && devices_ != nullptr ? TakePendingAddresses(settings_, writable_fields_, input, errors)
                                                             : PendingAddresses{};
  for (const auto& name : writable_fields_) {
    auto it = input.find(name);
    if (it != input.end()) ApplyField(settings_, breached_, store_, name, it->second, true, user, extra, errors);
  }
  errors.ThrowIfAny();

  std::map<std::string, std::string> identities;
  if (!user.username.empty()) identities["username"] = user.username;
  if (user.email) identities["email"] = *user.email;
  if (user.phone_number) identities["phone_number"] = *user.phone_number;
  if (pending.email) identities["email"] = *pending.email;
  if (pending.phone) identities["phone_number"] = *pending.phone;
  const std::vector<std::string> identity_fields = config::Names(settings_.user_identity_fields);
  bool has_identity = false;
  for (const auto& f : identity_fields) has_identity |= identities.count(f) > 0;
  if (!has_identity) {
    throw ApiError(400, "invalid",
                   "At least one of " + config::JoinedNames(settings_.user_identity_fields) + " is required.");
  }
  if (user.username.empty()) {
    user.username = DeriveUsername(identity_fields, identities);
    if (store_.Users().FindUserByUsername(user.username))
      throw Taken("username");
  }

  auto password = input.find("password");
  if (password != input.end() && !password->second.empty() &&
      Contains(writable_fields_, "password"))
    user.password_hash = crypto::HashPassword(password->second, HashParams(settings_));

  user.extra_json = extra.dump();
  user.date_joined = Now();
  user.invited_by = inviter;
  user.is_registering = true;
  InsertUser(store_, user);
  // Reference R6 step 4: an unconfirmed device per address; nothing is sent here.
  if (auto email = user.email ? user.email : pending.email) CreateSignupDevice(user.id, config::DeviceType::kEmail, *email);
  if (auto phone = user.phone_number ? user.phone_number : pending.phone) CreateSignupDevice(user.id, config::DeviceType::kSms, *phone);
  return user;
}

store::User UserService::CreateSuperuser(const FieldValues& input) {
  store::User user;
  nlohmann::json extra = nlohmann::json::object();
  Errors errors;
  auto username = input.find("username");
  if (username == input.end() || username->second.empty()) errors.Add("required", "This field is required.", "username");
  for (const char* name : {"username", "email", "password"}) {
    auto it = input.find(name);
    if (it != input.end()) ApplyField(settings_, breached_, store_, name, it->second, true, user, extra, errors);
  }
  errors.ThrowIfAny();
  if (auto password = input.find("password"); password != input.end() && !password->second.empty())
    user.password_hash = crypto::HashPassword(password->second, HashParams(settings_));
  user.is_staff = user.is_superuser = true;
  user.date_joined = Now();
  InsertUser(store_, user);
  return user;
}

store::User UserService::CreateFromOtp(const FieldValues& input, const std::string& field,
                                       const std::string& value) {
  store::User user;
  nlohmann::json extra = nlohmann::json::object();
  Errors errors;
  for (const auto& name : writable_fields_) {
    auto it = input.find(name);
    if (it != input.end() && name != field)
      ApplyField(settings_, breached_, store_, name, it->second, true, user, extra, errors);
  }
  errors.ThrowIfAny();
  if (field == "email") user.email = value;
  else if (field == "phone_number") user.phone_number = value;
  std::map<std::string, std::string> identities;
  if (!user.username.empty()) identities["username"] = user.username;
  if (user.email) identities["email"] = *user.email;
  if (user.phone_number) identities["phone_number"] = *user.phone_number;
  if (user.username.empty()) {
    std::vector<std::string> order = config::Names(settings_.user_identity_fields);
    if (!Contains(order, field)) order.push_back(field);  // the identity the request used
    user.username = DeriveUsername(order, identities);
  }
  auto password = input.find("password");
  if (password != input.end() && !password->second.empty() && Contains(writable_fields_, "password"))
    user.password_hash = crypto::HashPassword(password->second, HashParams(settings_));
  user.extra_json = extra.dump();
  user.date_joined = Now();
  InsertUser(store_, user);
  return user;
}

store::User UserService::Update(const store::User& current, const FieldValues& input) {
  store::User user = current;
  nlohmann::json extra = ParseExtra(current.extra_json);
  Errors errors;
  ConfirmedCheck confirmed = [this, &current](const std::string& type, const std::string& destination) {
    return HasConfirmedDevice(current.id, type, destination);
  };
  for (const auto& name : writable_fields_) {
    auto it = input.find(name);
    if (it != input.end())
      ApplyField(settings_, breached_, store_, name, it->second, false, user, extra, errors, confirmed);
  }
  errors.ThrowIfAny();
  user.extra_json = extra.dump();
  try {
    store_.Users().UpdateUser(user);
  } catch (const store::DuplicateError& e) {
    throw Taken(e.Field());
  }
  if (identity_changed_) identity_changed_(current, user);
  return user;
}

void UserService::SetPassword(const store::User& user, const std::string& old_password,
                              const std::string& new_password, std::string_view current_session) {
  auto verified = crypto::VerifyPassword(old_password, user.password_hash, HashParams(settings_));
  if (!verified.ok) throw errors::Invalid("Old password is incorrect.", std::string("old_password"));
  CheckNewPassword(new_password);
  StorePassword(user, new_password, current_session);
  audit::Record(store_, Now(), {audit::event::kPasswordChange, user.id, {user.id, {}}});
}

void UserService::CheckNewPassword(const std::string& new_password) const {
  if (auto problem =
          CheckPassword(new_password, static_cast<std::size_t>(settings_.password_min_length), breached_))
    throw ApiError(400, problem->code, problem->message, std::string("new_password"));
}

void UserService::ResetPassword(const store::User& user, const std::string& new_password) {
  CheckNewPassword(new_password);
  StorePassword(user, new_password, {});
  audit::Record(store_, Now(), {audit::event::kPasswordReset, user.id, {user.id, {}}});
}

void UserService::StorePassword(const store::User& user, const std::string& new_password,
                                std::string_view current_session) {
  std::string hash = crypto::HashPassword(new_password, HashParams(settings_));
  if (!store_.Users().ReplacePasswordHash(user.id, user.password_hash, hash))
    throw ApiError(409, "conflict", "The password was changed concurrently; try again.");
  RevokeSignIns(user.id, current_session);
}

void UserService::RevokeSignIns(int64_t user_id, std::string_view current_session) {
  // Tokens issued up to this second are refused; new ones get iat = now + 1 (token service).
  const int64_t now = Now();
  store_.Users().RevokeUserTokens(user_id, now + 1);
  // The other sessions end too (no longer listed). Their tokens are already refused by the
  // revocation time above, so their sid revocations need not outlive this second.
  store_.Sessions().RevokeOthers(user_id, current_session, now, now + 1);
}

bool UserService::SetTwoFactorRequired(const store::User& user, bool required, std::optional<audit::Actor> actor) {
  if (required && !user.two_fa_required) {
    // No lock-out: 2FA needs a confirmed device of a configured type to pass the gate with.
    bool has_device = false;
    if (devices_ != nullptr)
      for (const auto& d : devices_->ListDevices(user.id)) {
        const auto type = config::Parse<config::DeviceType>(d.type);
        has_device |= d.confirmed && type && config::Includes(settings_.otp_device_types, *type);
      }
    // A passkey is a second factor too (issue 15): token/ takes its assertion in place of otp.
    has_device |= !store_.Passkeys().ListPasskeys(user.id).empty();
    if (!has_device)
      throw errors::Invalid("Confirm a device first: 2FA needs a confirmed OTP device.",
                            std::string("is_required"));
  }
  if (user.two_fa_required != required) {
    store::User updated = user;
    updated.two_fa_required = required;
    store_.Users().UpdateUser(updated);
    audit::Record(store_, Now(),
                  {required ? audit::event::kTwoFactorRequired : audit::event::kTwoFactorCleared, user.id,
                   actor.value_or(audit::Actor{user.id, {}})});
  }
  return required;
}

void UserService::SetActive(int64_t user_id, bool active, const audit::Actor& actor) {
  auto user = store_.Users().FindUserById(user_id);
  if (!user) throw errors::NotFound("No such user.");
  user->is_active = active;
  store_.Users().UpdateUser(*user);
  if (!active) store_.Users().RevokeUserTokens(user_id, Now() + 1);
  audit::Record(store_, Now(), {active ? audit::event::kUserActivated : audit::event::kUserDeactivated, user_id, actor});
}

void UserService::RevokeTokens(int64_t user_id, const audit::Actor& actor) {
  if (!store_.Users().FindUserById(user_id)) throw errors::NotFound("No such user.");
  const int64_t now = Now();
  store_.Users().RevokeUserTokens(user_id, now + 1);  // tokens issued from now on get iat >= this
  audit::Record(store_, now, {audit::event::kTokensRevoked, user_id, actor});
}

void UserService::SetStaff(int64_t user_id, bool staff, const audit::Actor& actor) {
  auto user = store_.Users().FindUserById(user_id);
  if (!user) throw errors::NotFound("No such user.");
  if (user->is_staff != staff) {
    user->is_staff = staff;
    store_.Users().UpdateUser(*user);
  }
  audit::Record(store_, Now(), {audit::event::kStaffChanged, user_id, actor, "", audit::kSuccess, staff ? "on" : "off"});
}

}  // namespace dfauth::identity
