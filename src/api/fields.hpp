#pragma once
// Reading request fields with Django REST framework's CharField rules: absent, null (400 null),
// string, number (as text), anything else (400 invalid "Not a valid string.").

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dfauth/error.hpp"
#include "http/message.hpp"

namespace dfauth::api {

/// Reads `names` from the body object; values as text, absent names omitted. Fields in
/// `typed` (bool/int extra fields) also accept JSON booleans. Throws one 400 with an entry per
/// bad field, in `names` order.
std::map<std::string, std::string> ReadFields(const nlohmann::json& body,
                                              const std::vector<std::string>& names,
                                              const std::set<std::string>& typed = {});

/// Throws 400 required (one entry per field, in order) for each absent or blank field.
void RequireFields(const std::map<std::string, std::string>& values,
                   const std::vector<std::string>& names);

/// Replaces a non-empty `phone_number` with its E.164 form; 400 invalid "Enter a valid phone
/// number." when it does not parse (reference R1).
void NormalizePhoneField(std::map<std::string, std::string>& values);

/// A JSON response with status 200 (or `status`).
/// `value` as value.dump(-1, ' ', false, error_handler_t::replace) writes it, byte for byte.
/// For nlohmann::json and nlohmann::ordered_json.
template <typename Json>
std::string DumpJson(const Json& value);

http::Response JsonResponse(const nlohmann::json& body, int status = 200);
http::Response JsonResponse(const nlohmann::ordered_json& body, int status = 200);

}  // namespace dfauth::api
