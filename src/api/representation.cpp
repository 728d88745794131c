#include "api/representation.hpp"

namespace dfauth::api {
namespace {

nlohmann::ordered_json OptionalText(const std::optional<std::string>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

void PutField(nlohmann::ordered_json& out, const std::string& name, const store::User& user) {
  if (out.contains(name)) return;
  if (name == "username") out[name] = user.username;
  else if (name == "email") out[name] = OptionalText(user.email);
  else if (name == "phone_number") out[name] = OptionalText(user.phone_number);
  else if (name == "first_name") out[name] = user.first_name;
  else if (name == "last_name") out[name] = user.last_name;
}

}  // namespace

nlohmann::ordered_json UserRepresentation(const config::Settings& settings, const store::User& user) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& f : settings.user_optional_fields)
    if (f != "password") PutField(out, f, user);
  for (const auto& f : settings.user_identity_fields) PutField(out, f, user);
  auto extra = nlohmann::json::parse(user.extra_json, nullptr, false);
  for (const auto& [name, type] : settings.user_extra_fields) {
    if (extra.is_object() && extra.contains(name)) out[name] = extra[name];
    else out[name] = nullptr;
  }
  out["id"] = std::to_string(user.id);
  return out;
}

}  // namespace dfauth::api
