#pragma once
// The one JSON parser for a token's header and payload: an object, no member name twice.
// RFC 7515 §4 and RFC 7519 §4 let a recipient reject duplicate names or take the last one;
// we reject, so that no other parser (a proxy's, a client's) can read another token than we do.

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace dfauth::token {

/// `text` as a JSON object, or nullopt when it is not one or when any object in it (at any
/// depth) has a member name twice.
std::optional<nlohmann::json> ParseUniqueObject(std::string_view text);

}  // namespace dfauth::token
