#pragma once
// Request bodies as the reference's parsers read them (DRF JSONParser, FormParser,
// MultiPartParser). nlohmann appears here: only api handlers include this header.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "http/message.hpp"
#include "http/text.hpp"

namespace dfauth::http {

/// The body as a JSON object: JSON, form-urlencoded or multipart text fields; {} when empty.
/// Throws ApiError 400 parse_error / 400 invalid (not an object) / 415 unsupported_media_type.
nlohmann::json ParseBody(const Request& request);

/// The media type of a Content-Type value, lower-cased, without parameters.
std::string MediaType(std::string_view content_type);

}  // namespace dfauth::http
