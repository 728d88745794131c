// The request body readers (src/http/body.cpp: JSON, form-urlencoded, multipart) and the field
// readers the handlers use on what they give (src/api/fields.cpp), with the response writer
// (api::DumpJson). Properties: ParseBody answers an object or a 400/415 in the envelope; for
// JSON it agrees with nlohmann (the one-pass reader of plain string objects is a shortcut, not
// another grammar); DumpJson writes exactly nlohmann's dump(-1, ' ', false, replace); the field
// readers throw nothing but 400.
// Input: the Content-Type value, a newline, then the body.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/fields.hpp"
#include "dfauth/error.hpp"
#include "fuzz_support.hpp"
#include "http/body.hpp"

namespace {

using namespace dfauth;

std::string Dumped(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void ReadFieldsOf(const nlohmann::json& body) {
  // Names handlers read, plus the body's own first keys (so that every value type is met).
  std::vector<std::string> names = {"username", "email", "phone_number", "password", "otp", "token"};
  for (auto it = body.begin(); it != body.end() && names.size() < 12; ++it) names.push_back(it.key());
  try {
    auto values = api::ReadFields(body, names, {"is_active", "age"});
    for (const auto& [name, value] : values) {
      fuzz::Require(body.contains(name), "a field read that the body does not have");
    }
    try {
      api::NormalizePhoneField(values);
    } catch (const ApiError& e) {
      fuzz::Require(e.Status() == 400, "NormalizePhoneField: an error that is not 400");
    }
    try {
      api::RequireFields(values, {"username", "password"});
    } catch (const ApiError& e) {
      fuzz::Require(e.Status() == 400, "RequireFields: an error that is not 400");
    }
  } catch (const ApiError& e) {
    fuzz::Require(e.Status() == 400, "ReadFields: an error that is not 400");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  http::Request request;
  request.method = "POST";
  if (newline != std::string_view::npos) {
    request.headers.emplace("Content-Type", std::string(input.substr(0, newline)));
    request.body = std::string(input.substr(newline + 1));
  } else {
    request.body = std::string(input);
  }
  const std::string media = http::MediaType(request.Header("Content-Type").value_or(""));

  nlohmann::json body;
  try {
    body = http::ParseBody(request);
  } catch (const ApiError& e) {
    fuzz::Require(e.Status() == 400 || e.Status() == 415, "ParseBody: an error that is not 400 or 415");
    fuzz::Require(e.Status() != 415 || media != "application/json", "415 for JSON");
    if (media == "application/json" && !request.body.empty()) {
      auto reference = nlohmann::json::parse(request.body, nullptr, false);
      fuzz::Require(reference.is_discarded() || !reference.is_object(), "JSON object refused");
    }
    return 0;
  }
  fuzz::Require(body.is_object(), "ParseBody gave something other than an object");
  if (media == "application/json" && !request.body.empty()) {
    auto reference = nlohmann::json::parse(request.body, nullptr, false);
    fuzz::Require(!reference.is_discarded() && reference == body, "JSON read differs from nlohmann's");
  }
  fuzz::Require(api::DumpJson(body) == Dumped(body), "DumpJson differs from nlohmann's dump");
  ReadFieldsOf(body);
  return 0;
}
