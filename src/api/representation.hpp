#pragma once
// The user representation of reference-contract R6: optional fields minus password, identity
// fields, USER_EXTRA_FIELDS, then "id" as a string.

#include <nlohmann/json.hpp>

#include "config/settings.hpp"
#include "store/store.hpp"

namespace dfauth::api {

nlohmann::ordered_json UserRepresentation(const config::Settings& settings, const store::User& user);

}  // namespace dfauth::api
