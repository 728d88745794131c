#include "api/guard_checks.hpp"

#include <nlohmann/json.hpp>

#include "guard/guard.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"

namespace dfauth::api {

void CheckIdentityFields(ApiContext& ctx, const std::map<std::string, std::string>& fields) {
  auto value = [&](const char* name) -> const std::string* {
    auto it = fields.find(name);
    return it == fields.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (const std::string* username = value("username")) ctx.guard.CheckUsername(*username);
  if (const std::string* email = value("email")) ctx.guard.CheckEmail(identity::NormalizeEmail(*email));
  if (const std::string* phone = value("phone_number"))
    if (auto parsed = identity::ParsePhone(*phone)) ctx.guard.CheckPhone(parsed->e164);
}

bool HoneypotTriggered(ApiContext& ctx, const nlohmann::json& body, const http::Request& request) {
  if (ctx.guard.HoneypotField().empty()) return false;
  auto it = body.find(ctx.guard.HoneypotField());
  if (it == body.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) return false;
  ctx.guard.HoneypotHit(request.client_ip, "honeypot_field");
  return true;
}

}  // namespace dfauth::api
