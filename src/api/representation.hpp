#pragma once
// The user representation of reference-contract R6: optional fields minus password, identity
// fields, USER_EXTRA_FIELDS, then "id" as a string.

#include <string>

#include "config/settings.hpp"
#include "store/user_store.hpp"

namespace dfauth::api {

/// The representation as the JSON text of a response body (written directly: it is the body of
/// GET users/{id}/, a hot route).
std::string UserRepresentation(const config::Settings& settings, const store::User& user);

}  // namespace dfauth::api
