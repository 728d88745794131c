#include "http/envelope.hpp"

#include <nlohmann/json.hpp>

namespace dfauth::http {
namespace {

void AppendString(std::string& out, const std::string& value) {
  // Messages may echo client input (a method name, a field value): never let bad UTF-8 throw.
  out += nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string ErrorBody(const ApiError& error) {
  std::string out = "{\"errors\":[";
  bool first = true;
  for (const ErrorEntry& entry : error.Entries()) {
    if (!first) out += ',';
    first = false;
    out += "{\"message\":";
    AppendString(out, entry.message);
    out += ",\"code\":";
    AppendString(out, entry.code);
    if (entry.field) {
      out += ",\"field\":";
      AppendString(out, *entry.field);
    }
    if (!entry.extra_data_json.empty()) {
      out += ",\"extra_data\":";
      out += entry.extra_data_json;
    }
    out += '}';
  }
  out += "]}";
  return out;
}

Response ErrorResponse(const ApiError& error) {
  Response response = Response::Json(error.Status(), ErrorBody(error));
  response.headers = error.headers;
  return response;
}

}  // namespace dfauth::http
