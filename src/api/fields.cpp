#include "api/fields.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "identity/phone.hpp"
#include "text/json_string.hpp"

namespace dfauth::api {

namespace {

/// Writes `value` exactly as value.dump(-1, ' ', false, replace) does, faster: strings of
/// printable ASCII without quotes or backslashes (tokens, names, codes) are copied as they are
/// and integers go through to_chars, where nlohmann's serializer looks at every character;
/// every other string and number is left to nlohmann.
template <typename Json>
void AppendJson(std::string& out, const Json& value) {
  auto dump = [&](const Json& v) {
    out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  auto append_integer = [&](auto number) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
    out.append(digits, end);
  };
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ',';
        first = false;
        text::AppendJsonString(out, it.key());
        out += ':';
        AppendJson(out, it.value());
      }
      out += '}';
      break;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, element);
      }
      out += ']';
      break;
    }
    case nlohmann::json::value_t::string:
      text::AppendJsonString(out, value.template get_ref<const std::string&>());
      break;
    case nlohmann::json::value_t::number_integer:
      append_integer(value.template get<int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      append_integer(value.template get<uint64_t>());
      break;
    case nlohmann::json::value_t::boolean:
      out += value.template get<bool>() ? "true" : "false";
      break;
    case nlohmann::json::value_t::null:
      out += "null";
      break;
    default:  // floats, binary, discarded
      dump(value);
      break;
  }
}

}  // namespace

template <typename Json>
std::string DumpJson(const Json& value) {
  std::string out;
  out.reserve(256);
  AppendJson(out, value);
  return out;
}
template std::string DumpJson(const nlohmann::json&);
template std::string DumpJson(const nlohmann::ordered_json&);

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
  return http::Response::Json(status, DumpJson(body));
}

http::Response JsonResponse(const nlohmann::ordered_json& body, int status) {
  return http::Response::Json(status, DumpJson(body));
}

}  // namespace dfauth::api
