#pragma once
// The OpenAPI 3.0 document served at GET /api/v1/schema/ (interface.md §3). Its paths come from
// the live router, so a registered route can never be missing from it.

#include <string>

#include "config/settings.hpp"
#include "http/router.hpp"

namespace dfauth::api {

/// The OpenAPI 3.0 document (JSON text) describing every route of `router` as `settings` shape it.
std::string BuildOpenApiDocument(const http::Router& router, const config::Settings& settings);

/// The operationId of a route: its explicit name, else derived from method and pattern
/// (`POST /api/v1/auth/users/{id}/set-password/` → `users_id_set_password_post`).
std::string OperationId(const http::Route& route, const std::string& api_prefix);

}  // namespace dfauth::api
