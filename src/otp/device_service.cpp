#include "otp/device_service.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "dfauth/error.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"
#include "notify/magic_link.hpp"
#include "otp/address.hpp"
#include "otp/code.hpp"
#include "otp/qr.hpp"
#include "otp/totp.hpp"

namespace dfauth::otp {
namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxEmailLength = 254;


}  // namespace

DeviceService::DeviceService(const config::Settings& settings, store::Database& store,
                             store::DeviceStore& devices, notify::Notifier& notifier, Clock clock)
    : settings_(settings), store_(store), devices_(devices), notifier_(notifier), clock_(std::move(clock)) {}

int64_t DeviceService::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

VerifyPolicy DeviceService::Policy() const {
  return VerifyPolicy{settings_.secret_key, settings_.otp_max_attempts, settings_.otp_throttle_factor};
}

bool DeviceService::IsConfiguredType(config::DeviceType type) const {
  return config::Includes(settings_.otp_device_types, type);
}

bool DeviceService::IsConfiguredType(std::string_view type) const {
  const auto parsed = config::Parse<config::DeviceType>(type);
  return parsed && IsConfiguredType(*parsed);
}

void DeviceService::RequireConfiguredType(const std::optional<std::string>& type) const {
  if (type && IsConfiguredType(*type)) return;
  throw errors::Invalid("Invalid device type. Must be one of " +
                        config::JoinedNames(settings_.otp_device_types));
}

std::vector<store::Device> DeviceService::List(int64_t user_id) const {
  std::vector<store::Device> all = devices_.ListDevices(user_id);
  std::vector<store::Device> out;
  for (const auto type : settings_.otp_device_types)  // type order, then id (the reference's)
    for (const auto& d : all)
      if (d.type == config::Name(type)) out.push_back(d);
  return out;
}

std::vector<store::Device> DeviceService::ConfirmedDevices(int64_t user_id) const {
  std::vector<store::Device> out;
  for (auto& d : List(user_id))
    if (d.confirmed) out.push_back(std::move(d));
  return out;
}

std::optional<store::Device> DeviceService::Find(int64_t user_id, const std::string& type,
                                                 std::string_view id_text) const {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id <= 0) return std::nullopt;
  return devices_.FindDevice(user_id, type, id);
}

store::Device DeviceService::Get(int64_t user_id, const std::string& type, std::string_view id_text) const {
  auto device = Find(user_id, type, id_text);
  if (!device) throw errors::NotFound();
  return *device;
}

void DeviceService::RecordCreated(const store::Device& d) {
  audit::Record(store_, d.created_at, {audit::event::kDeviceCreated, d.user_id, {d.user_id, {}}, d.type,
                                       audit::kSuccess, "device " + std::to_string(d.id)});
}

CreatedDevice DeviceService::Create(const store::User& user, const std::string& type,
                                    const std::optional<std::string>& name) {
  CreatedDevice out;
  store::Device& d = out.device;
  d.user_id = user.id;
  d.type = type;
  d.created_at = Now();
  std::string given = name.value_or("");
  if (type == "email" || type == "sms") {
    if (given.empty()) throw errors::Required("name");
    std::string destination;
    if (type == "email") {
      if (given.size() > kMaxEmailLength)
        throw ApiError(400, "max_length", "Ensure this field has no more than 254 characters.", "name");
      auto field_type = settings_.user_field_types.find("email");
      if (field_type != settings_.user_field_types.end() && field_type->second == "EmailField" &&
          !identity::IsValidEmail(given))
        throw errors::Invalid(identity::kInvalidEmailMessage, std::string("name"));
      destination = identity::NormalizeEmail(given);
    } else {
      auto phone = identity::ParsePhone(given);
      if (!phone) throw errors::Invalid("Enter a valid phone number.", std::string("name"));
      destination = phone->e164;
    }
    // The reference returns an existing device for the same address unchanged.
    if (auto existing = devices_.FindDeviceByDestination(user.id, type, destination)) {
      out.device = *existing;
      return out;
    }
    d.name = destination;
    d.destination = destination;
    d.confirmed = false;
    d.id = devices_.CreateDevice(d);
    RecordCreated(d);
    return out;
  }
  if (given.size() > kMaxNameLength)
    throw ApiError(400, "max_length", "Ensure this field has no more than 64 characters.", "name");
  d.name = given;
  if (type == "totp") {
    d.secret = GenerateTotpSecret();
    d.confirmed = false;
    d.id = devices_.CreateDevice(d);
    RecordCreated(d);
    out.url = OtpauthUrl(settings_.otp_totp_issuer, user.username, d.secret);
    out.qr_svg = QrSvg(out.url);
    return out;
  }
  // static: backup codes, created confirmed (interface.md §4), hashes bound to the device id.
  d.confirmed = true;
  d.id = devices_.CreateDevice(d);
  out.codes = GenerateStaticCodes();
  std::vector<std::string> hashes;
  for (const auto& code : out.codes) hashes.push_back(HashCode(settings_.secret_key, d.id, code));
  devices_.UpdateDevice(d.id, [&](store::Device& row) {
    row.static_code_hashes = hashes;
    return true;
  });
  NotifyNewDevice(user, d);
  RecordCreated(d);
  return out;
}

void DeviceService::NotifyNewDevice(const store::User& user, const store::Device& device) {
  // ASVS 2.5.5: tell the account's address when a sign-in factor is added. Confirming the
  // account's own address is no news, and an account without an email cannot be told.
  if (!user.email || (device.type == "email" && device.destination == *user.email)) return;
  notify::Message message;
  message.channel = notify::Channel::kEmail;
  message.to = *user.email;
  message.template_name = "new_device_email";
  message.variables = {{"username", user.username}, {"site_url", settings_.site_url}};
  if (device.type == "email") message.variables["email"] = device.destination;
  if (device.type == "sms") message.variables["phone_number"] = device.destination;
  notifier_.Enqueue(message);
}

void DeviceService::Delete(const store::User& user, const std::string& type, std::string_view id_text,
                           std::optional<audit::Actor> actor) {
  auto device = Find(user.id, type, id_text);
  if (!device) throw errors::NotFound();
  if (device->confirmed) {
    auto fresh = store_.Users().FindUserById(user.id);
    bool two_fa = fresh ? fresh->two_fa_required : user.two_fa_required;
    // Passkeys count as second factors (issue 15), as passkey deletion counts devices.
    if (two_fa && ConfirmedDevices(user.id).size() + store_.Passkeys().ListPasskeys(user.id).size() <= 1)
      throw errors::Invalid("Cannot remove the last device");
  }
  if (!devices_.DeleteDevice(user.id, type, device->id)) throw errors::NotFound();
  audit::Record(store_, Now(), {audit::event::kDeviceDeleted, user.id, actor.value_or(audit::Actor{user.id, {}}), type,
                                audit::kSuccess, "device " + std::to_string(device->id)});
}

Verification DeviceService::Verify(const store::Device& device, std::string_view candidate) {
  const int64_t now = Now();
  const VerifyPolicy policy = Policy();
  Verification result = Verification::kWrong;
  bool found = devices_.UpdateDevice(device.id, [&](store::Device& row) {
    result = ApplyVerification(row, candidate, now, policy);
    return result != Verification::kThrottled;
  });
  return found ? result : Verification::kWrong;
}

void DeviceService::CopyIdentity(const store::User& user, const store::Device& device) {
  auto fresh = store_.Users().FindUserById(user.id);
  if (!fresh) throw errors::NotFound();
  store::User updated = *fresh;
  std::string field;
  if (device.type == "email") {
    field = "email";
    updated.email = device.destination;
  } else if (device.type == "sms") {
    field = "phone_number";
    updated.phone_number = device.destination;
  } else {
    return;
  }
  try {
    store_.Users().UpdateUser(updated);
  } catch (const store::DuplicateError&) {
    throw errors::Invalid(field == "email" ? "User with this email already exists."
                                           : "User with this phone number already exists.",
                          field);
  }
  if (identity_changed_) identity_changed_(*fresh, updated);
}

void DeviceService::Confirm(const store::User& user, const std::string& type, std::string_view id_text,
                            const std::string& otp) {
  auto device = Find(user.id, type, id_text);
  if (!device) throw errors::NotFound();
  const bool copy = settings_.otp_identity_update_field && (type == "email" || type == "sms");
  if (copy) {
    // Refuse before spending the code when the address already belongs to someone else.
    auto holder = type == "email" ? store_.Users().FindUserByEmail(device->destination)
                                  : store_.Users().FindUserByPhone(device->destination);
    if (holder && holder->id != user.id)
      throw errors::Invalid(type == "email" ? "User with this email already exists."
                                            : "User with this phone number already exists.",
                            std::string(type == "email" ? "email" : "phone_number"));
  }
  if (ConfirmWithCode(user, *device, otp) != Verification::kOk) {
    throw errors::Invalid("Invalid OTP code", std::string("otp"));
  }
}

Verification DeviceService::ConfirmWithCode(const store::User& user, const store::Device& device,
                                            std::string_view otp) {
  const bool copy =
      settings_.otp_identity_update_field && (device.type == "email" || device.type == "sms");
  const int64_t now = Now();
  const VerifyPolicy policy = Policy();
  Verification result = Verification::kWrong;
  bool was_confirmed = device.confirmed;
  devices_.UpdateDevice(device.id, [&](store::Device& row) {
    result = ApplyVerification(row, otp, now, policy);
    if (result == Verification::kOk) row.confirmed = true;
    return result != Verification::kThrottled;
  });
  if (result != Verification::kOk) return result;
  if (!was_confirmed) {
    NotifyNewDevice(user, device);
    audit::Record(store_, now, {audit::event::kDeviceConfirmed, user.id, {user.id, {}}, device.type, audit::kSuccess,
                                "device " + std::to_string(device.id)});
  }
  if (!copy) return result;
  try {
    CopyIdentity(user, device);
  } catch (const ApiError&) {
    // A concurrent taker won the address: the device must not stay proof of it.
    if (!was_confirmed)
      devices_.UpdateDevice(device.id, [](store::Device& row) {
        row.confirmed = false;
        return true;
      });
    throw;
  }
  return result;
}

DeviceService::PendingSignIn DeviceService::SignInWithPendingAddress(const std::string& type,
                                                                     const std::string& destination,
                                                                     const std::string& code) {
  PendingSignIn out;
  if (!settings_.defer_identity_update || !IsConfiguredType(type)) return out;
  // Holders beyond the first 50 are not tried: an address registered by that many accounts is
  // being abused, and each try costs a write.
  constexpr int kMaxHolders = 50;
  const int64_t now = Now();
  for (const store::Device& device : devices_.ListPendingDevices(type, destination, kMaxHolders)) {
    if (!HasLiveCode(device, now) || !CouldMatch(device, code)) continue;
    auto user = store_.Users().FindUserById(device.user_id);
    if (!user || !user->is_active) continue;
    out.tried = true;
    if (ConfirmWithCode(*user, device, code) == Verification::kOk) {
      out.user = store_.Users().FindUserById(device.user_id);
      return out;
    }
  }
  return out;
}

std::optional<store::Device> DeviceService::FindByDestination(int64_t user_id, const std::string& type,
                                                              const std::string& destination) const {
  if (!IsConfiguredType(type)) return std::nullopt;
  return devices_.FindDeviceByDestination(user_id, type, destination);
}

store::Device DeviceService::DeviceFor(const store::User& user, const std::string& type,
                                       const std::string& destination, bool confirmed_if_new) {
  if (auto existing = devices_.FindDeviceByDestination(user.id, type, destination)) return *existing;
  store::Device d;
  d.user_id = user.id;
  d.type = type;
  d.name = destination;
  d.destination = destination;
  d.confirmed = confirmed_if_new;
  d.created_at = Now();
  d.id = devices_.CreateDevice(d);
  // Two first requests for one address may race here: keep the oldest device, so codes are
  // always issued on the one that logins look up.
  auto first = devices_.FindDeviceByDestination(user.id, type, destination);
  if (first && first->id != d.id) {
    devices_.DeleteDevice(user.id, type, d.id);
    return *first;
  }
  return d;
}

void DeviceService::CountSend(const std::string& destination) {
  const auto& rate = settings_.throttle_otp_send;
  if (rate.off || rate.period_seconds <= 0) return;
  const int64_t now = Now();
  const int64_t window = now - now % rate.period_seconds;
  if (devices_.CountSend(LowerAscii(destination), window) <= rate.count) return;
  const int64_t wait = std::max<int64_t>(1, window + rate.period_seconds - now);
  throw ApiError(429, "throttled",
                 "Request was throttled. Expected available in " + std::to_string(wait) + " seconds.")
      .WithHeader("Retry-After", std::to_string(wait));
}

int64_t DeviceService::CooldownOf(std::string_view channel) const {
  return channel == "email" ? settings_.otp_email_cooldown_duration : settings_.otp_sms_cooldown_duration;
}

std::optional<std::string> DeviceService::Issue(const store::Device& device, int64_t validity,
                                                int64_t cooldown) {
  return IssueCodeOn(device, validity, cooldown, settings_.secret_key,
                     [this](int64_t id, const std::function<bool(store::Device&)>& mutate) {
                       return devices_.UpdateDevice(id, mutate);
                     });
}

std::optional<std::string> DeviceService::IssueCodeOn(const store::Device& row, int64_t validity,
                                                      int64_t cooldown, std::string_view hash_key,
                                                      const CodeRowUpdate& update) {
  const int64_t now = Now();
  auto cooling = [&](const store::Device& d) {
    return cooldown > 0 && HasLiveCode(d, now) && d.last_sent_at + cooldown > now;
  };
  if (cooling(row)) return std::nullopt;
  CountSend(row.destination);
  std::string code = GenerateNumericCode();
  std::string hash = HashCode(hash_key, row.id, code);
  bool cooled = false;
  update(row.id, [&](store::Device& current) {
    if (cooling(current)) {  // a concurrent request issued one meanwhile
      cooled = true;
      return false;
    }
    IssueCode(current, hash, now, validity);
    return true;
  });
  if (cooled) return std::nullopt;
  return code;
}

SendResult DeviceService::SendCode(const store::User& user, const store::Device& device,
                                   const std::string& redirect_path) {
  const bool email = device.type == "email";
  const int64_t validity = email ? settings_.otp_email_token_validity : settings_.otp_twilio_token_validity;
  auto code = Issue(device, validity, CooldownOf(device.type));
  if (!code) return SendResult::kCooldown;
  notify::Message message;
  message.to = device.destination;
  message.variables = {{"code", *code}, {"username", user.username}, {"valid_minutes", ValidMinutes(validity)}};
  if (email) {
    message.channel = notify::Channel::kEmail;
    message.template_name = "otp_email";
    message.variables["email"] = device.destination;
    message.variables["magic_link"] = notify::MagicLink(settings_, device.destination, *code, redirect_path);
  } else {
    message.channel = notify::Channel::kSms;
    message.template_name = "otp_sms";
    message.variables["phone_number"] = device.destination;
  }
  notifier_.Enqueue(message);
  return SendResult::kSent;
}

void DeviceService::AfterRegistration(const store::User& user, std::optional<int64_t> inviter) {
  std::vector<store::Device> pending;
  for (auto& d : List(user.id))
    if (!d.confirmed && (d.type == "email" || d.type == "sms")) pending.push_back(std::move(d));
  if (inviter) {
    // One invitation, by email when there is an address, else by SMS; its code signs in once.
    auto target = std::find_if(pending.begin(), pending.end(), [](const store::Device& d) { return d.type == "email"; });
    if (target == pending.end()) target = pending.begin();
    if (target == pending.end()) return;
    std::optional<std::string> code;
    try {
      code = Issue(*target, settings_.invite_token_validity, 0);
    } catch (const ApiError& e) {
      if (e.Status() != 429) throw;  // the account exists; a throttled address just gets nothing
    }
    if (!code) return;
    auto by = store_.Users().FindUserById(*inviter);
    notify::Message message;
    message.to = target->destination;
    message.variables = {{"code", *code},
                         {"username", user.username},
                         {"inviter", by ? by->username : std::string()},
                         {"valid_minutes", ValidMinutes(settings_.invite_token_validity)}};
    if (target->type == "email") {
      message.channel = notify::Channel::kEmail;
      message.template_name = "invite_email";
      message.variables["email"] = target->destination;
      message.variables["magic_link"] = notify::MagicLink(settings_, target->destination, *code, "");
    } else {
      message.channel = notify::Channel::kSms;
      message.template_name = "invite_sms";
      message.variables["phone_number"] = target->destination;
    }
    notifier_.Enqueue(message);
    return;
  }
  if (!settings_.auto_send_identity_verification_otp) return;
  for (const auto& d : pending) {
    try {
      SendCode(user, d, "");
    } catch (const ApiError& e) {
      if (e.Status() != 429) throw;  // the sign-up stands; otp/ can send the code later
    }
  }
}

}  // namespace dfauth::otp
