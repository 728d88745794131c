#include "api/fields.hpp"

#include <nlohmann/json.hpp>

#include "identity/phone.hpp"

namespace dfauth::api {

std::map<std::string, std::string> ReadFields(const nlohmann::json& body,
                                              const std::vector<std::string>& names,
                                              const std::set<std::string>& typed) {
  std::map<std::string, std::string> out;
  std::vector<ErrorEntry> errors;
  for (const auto& name : names) {
    auto it = body.find(name);
    if (it == body.end()) continue;
    const auto& v = *it;
    if (v.is_null()) {
      errors.push_back({"null", "This field may not be null.", name, {}});
    } else if (v.is_string()) {
      out[name] = v.get<std::string>();
    } else if (v.is_number()) {
      out[name] = v.dump();
    } else if (v.is_boolean() && typed.count(name)) {
      out[name] = v.get<bool>() ? "true" : "false";
    } else {
      errors.push_back({"invalid", "Not a valid string.", name, {}});
    }
  }
  if (!errors.empty()) throw ApiError(400, std::move(errors));
  return out;
}

void RequireFields(const std::map<std::string, std::string>& values,
                   const std::vector<std::string>& names) {
  std::vector<ErrorEntry> errors;
  for (const auto& name : names) {
    auto it = values.find(name);
    if (it == values.end()) errors.push_back({"required", "This field is required.", name, {}});
    else if (it->second.empty()) errors.push_back({"blank", "This field may not be blank.", name, {}});
  }
  if (!errors.empty()) throw ApiError(400, std::move(errors));
}

void NormalizePhoneField(std::map<std::string, std::string>& values) {
  auto it = values.find("phone_number");
  if (it == values.end() || it->second.empty()) return;
  auto phone = identity::ParsePhone(it->second);
  if (!phone) throw errors::Invalid("Enter a valid phone number.", std::string("phone_number"));
  it->second = phone->e164;
}

http::Response JsonResponse(const nlohmann::json& body, int status) {
  return http::Response::Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response JsonResponse(const nlohmann::ordered_json& body, int status) {
  return http::Response::Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace dfauth::api
