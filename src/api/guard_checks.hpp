#pragma once
// The api layer's calls into the guard (issue 5): identity blacklists on every entry point that
// takes an email, phone or username, and the honeypot field. The guard itself lives in src/guard.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "api/context.hpp"

namespace dfauth::api {

/// Refuses (400 blacklisted on the field) a non-empty username, email or phone in `fields`
/// that a blacklist rule matches. Phones that do not parse are left to the field validation.
void CheckIdentityFields(ApiContext& ctx, const std::map<std::string, std::string>& fields);

/// True when the body fills HONEYPOT_FIELD: the client IP has then been banned and the caller
/// must answer as if the request had worked, creating and sending nothing.
bool HoneypotTriggered(ApiContext& ctx, const nlohmann::json& body, const http::Request& request);

}  // namespace dfauth::api
