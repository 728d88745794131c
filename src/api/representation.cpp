#include "api/representation.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/fields.hpp"
#include "text/json_string.hpp"

namespace dfauth::api {

std::string UserRepresentation(const config::Settings& settings, const store::User& user) {
  static constexpr std::array<std::string_view, 5> kBuiltIn{"username", "email", "phone_number",
                                                            "first_name", "last_name"};
  std::string out;
  out.reserve(192);
  auto key = [&](std::string_view name) {
    out += out.empty() ? '{' : ',';
    text::AppendJsonString(out, name);
    out += ':';
  };
  auto optional_text = [&](const std::optional<std::string>& v) {
    if (v) text::AppendJsonString(out, *v);
    else out += "null";
  };
  unsigned written = 0;  // one bit per built-in field: each appears once, where first named
  auto put = [&](const std::string& name) {
    auto it = std::find(kBuiltIn.begin(), kBuiltIn.end(), name);
    if (it == kBuiltIn.end()) return;
    const unsigned bit = 1u << (it - kBuiltIn.begin());
    if (written & bit) return;
    written |= bit;
    key(name);
    if (name == "username") text::AppendJsonString(out, user.username);
    else if (name == "email") optional_text(user.email);
    else if (name == "phone_number") optional_text(user.phone_number);
    else if (name == "first_name") text::AppendJsonString(out, user.first_name);
    else text::AppendJsonString(out, user.last_name);
  };
  for (const auto& f : settings.user_optional_fields) put(f);  // "password" is not built in
  for (const auto f : settings.user_identity_fields) put(std::string(config::Name(f)));
  if (!settings.user_extra_fields.empty()) {
    // Extra field names never clash with the fields above (config refuses it).
    const auto extra = nlohmann::json::parse(user.extra_json, nullptr, false);
    for (const auto& [name, type] : settings.user_extra_fields) {
      key(name);
      auto it = extra.is_object() ? extra.find(name) : extra.end();
      if (it != extra.end()) out += DumpJson(*it);
      else out += "null";
    }
  }
  key("id");
  out += '"';
  out += std::to_string(user.id);
  out += "\"}";
  return out;
}

}  // namespace dfauth::api
