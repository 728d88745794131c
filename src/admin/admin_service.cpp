#include "admin/admin_service.hpp"

#include "dfauth/error.hpp"

namespace dfauth::admin {

AdminService::AdminService(store::Database& store, identity::UserService& users, otp::DeviceService& devices,
                           token::SessionService& sessions)
    : store_(store), users_(users), devices_(devices), sessions_(sessions) {}

void AdminService::RequireStaff(const store::User& caller) {
  if (!caller.is_staff || !caller.is_active) throw errors::PermissionDenied();
}

store::User AdminService::Require(int64_t user_id) {
  auto user = store_.Users().FindUserById(user_id);
  if (!user) throw errors::NotFound();
  return *user;
}

store::UserPage AdminService::Search(const std::string& search, int64_t offset, int64_t limit) {
  return store_.Users().SearchUsers(search, offset, limit);
}

UserDetail AdminService::Show(int64_t user_id) {
  UserDetail out;
  out.user = Require(user_id);
  out.devices = devices_.List(user_id);
  out.social = store_.Social().ListLinks(user_id, 0, kSocialShown);
  out.sessions = sessions_.List(user_id, kSessionsShown, 0);
  return out;
}

store::User AdminService::SetActive(int64_t user_id, bool active, const audit::Actor& staff) {
  Require(user_id);
  users_.SetActive(user_id, active, staff);
  return Require(user_id);
}

store::User AdminService::RevokeTokens(int64_t user_id, const audit::Actor& staff) {
  users_.RevokeTokens(user_id, staff);
  return Require(user_id);
}

store::User AdminService::SetTwoFactorRequired(int64_t user_id, bool required, const audit::Actor& staff) {
  users_.SetTwoFactorRequired(Require(user_id), required, staff);
  return Require(user_id);
}

void AdminService::DeleteDevice(int64_t user_id, const std::string& type, const std::string& device_id,
                                const audit::Actor& staff) {
  const store::User user = Require(user_id);
  if (!devices_.IsConfiguredType(type)) throw errors::NotFound();
  devices_.Delete(user, type, device_id, staff);
}

bool AdminService::SendOtpChallenge(int64_t user_id, const std::string& type, const std::string& device_id,
                                    const audit::Actor& staff) {
  const store::User user = Require(user_id);
  if ((type != "email" && type != "sms") || !devices_.IsConfiguredType(type))
    throw errors::Invalid("A challenge goes to an email or sms device.", std::string("type"));
  const store::Device device = devices_.Get(user_id, type, device_id);
  const bool sent = devices_.SendCode(user, device, "") == otp::SendResult::kSent;
  audit::Record(store_, devices_.Now(), {audit::event::kOtpChallengeSent, user_id, staff, type,
                                         sent ? audit::kSuccess : audit::kFailure,
                                         "device " + std::to_string(device.id) + (sent ? "" : " (cooldown)")});
  return sent;
}

store::AuditPage AdminService::Audit(const store::AuditFilter& filter) { return store_.Audit().List(filter); }

}  // namespace dfauth::admin
