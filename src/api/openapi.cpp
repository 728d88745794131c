#include "api/openapi.hpp"

#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace dfauth::api {
namespace {

using Json = nlohmann::ordered_json;

Json Ref(const std::string& component) { return Json{{"$ref", "#/components/schemas/" + component}}; }

Json Text() { return Json{{"type", "string"}}; }

/// An object schema of string properties, `required` naming those the handler insists on.
Json StringObject(const std::vector<std::string>& names, const std::vector<std::string>& required = {}) {
  Json out{{"type", "object"}, {"properties", Json::object()}};
  for (const auto& n : names) out["properties"][n] = Text();
  if (!required.empty()) out["required"] = required;
  return out;
}

void AddUnique(std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names)
    if (n == name) return;
  names.push_back(name);
}

Json ExtraFieldSchema(const std::string& type) {
  if (type == "bool") return Json{{"type", "boolean"}, {"nullable", true}};
  if (type == "int") return Json{{"type", "integer"}, {"nullable", true}};
  if (type == "date") return Json{{"type", "string"}, {"format", "date"}, {"nullable", true}};
  return Json{{"type", "string"}, {"nullable", true}};
}

/// A page of api/pagination's list routes: count, next, previous, results of `item`.
Json PageSchema(Json item) {
  return {{"type", "object"},
          {"properties",
           {{"count", {{"type", "integer"}}},
            {"next", {{"type", "string"}, {"nullable", true}}},
            {"previous", {{"type", "string"}, {"nullable", true}}},
            {"results", {{"type", "array"}, {"items", std::move(item)}}}}}};
}

/// User (what users/{id}/ answers) and UserWrite (what sign-up and PATCH read).
void AddUserSchemas(const config::Settings& s, Json& schemas) {
  // Optional fields (never the password in a response), identity fields, extras, id.
  Json user{{"type", "object"}, {"properties", Json::object()}};
  Json write{{"type", "object"}, {"properties", Json::object()}};
  for (const auto& f : s.user_optional_fields) {
    if (f != "password") user["properties"][f] = {{"type", "string"}, {"nullable", true}};
    write["properties"][f] = Text();
  }
  for (const auto& f : config::Names(s.user_identity_fields)) {
    user["properties"][f] = {{"type", "string"}, {"nullable", true}};
    write["properties"][f] = Text();
  }
  for (const auto& [name, type] : s.user_extra_fields) {
    user["properties"][name] = ExtraFieldSchema(type);
    write["properties"][name] = ExtraFieldSchema(type);
  }
  user["properties"]["id"] = Text();
  user["required"] = {"id"};
  if (write["properties"].contains("password")) write["properties"]["password"]["format"] = "password";
  schemas["User"] = user;
  schemas["UserWrite"] = write;
}

/// admin/'s bodies (admin_api.cpp): a user as staff see it, its detail, an audit entry.
void AddAdminSchemas(Json& schemas) {
  const Json when{{"type", "string"}, {"format", "date-time"}};
  const Json nullable_text{{"type", "string"}, {"nullable", true}};
  const Json boolean{{"type", "boolean"}};
  const Json integer{{"type", "integer"}};
  Json user{{"type", "object"},
            {"required", {"id", "username", "email", "phone_number", "first_name", "last_name", "is_active", "is_staff",
                          "is_superuser", "two_fa_required", "date_joined", "last_login"}},
            {"properties",
             {{"id", integer}, {"username", Text()}, {"email", nullable_text}, {"phone_number", nullable_text},
              {"first_name", Text()}, {"last_name", Text()}, {"is_active", boolean}, {"is_staff", boolean},
              {"is_superuser", boolean}, {"two_fa_required", boolean}, {"date_joined", when},
              {"last_login", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}}}}};
  schemas["AdminUser"] = user;
  schemas["AdminUserPage"] = PageSchema(Ref("AdminUser"));
  Json detail = user;
  detail["properties"]["devices"] = {
      {"type", "array"},
      {"items", {{"type", "object"}, {"properties", {{"id", integer}, {"type", Text()}, {"name", Text()}, {"confirmed", boolean}}}}}};
  detail["properties"]["social"] = {
      {"type", "array"},
      {"items", {{"type", "object"}, {"properties", {{"provider", Text()}, {"uid", Text()}, {"created_at", when}}}}}};
  detail["properties"]["sessions"] = {
      {"type", "array"},
      {"items",
       {{"type", "object"},
        {"properties", {{"id", Text()}, {"created_at", when}, {"last_used_at", when}, {"ip", Text()},
                        {"user_agent", Text()}, {"method", Text()}}}}}};
  detail["properties"]["sessions_count"] = integer;
  schemas["AdminUserDetail"] = detail;
  schemas["AdminOtpChallenge"] = StringObject({"type", "device_id"}, {"type", "device_id"});
  schemas["AdminOtpChallenge"]["properties"]["type"]["enum"] = {"email", "sms"};
  schemas["AdminOtpChallengeSent"] = {{"type", "object"}, {"required", {"sent"}}, {"properties", {{"sent", boolean}}}};
  schemas["AuditEntry"] = {{"type", "object"},
                           {"required", {"id", "at", "event", "method", "outcome", "user", "actor", "ip", "detail"}},
                           {"properties",
                            {{"id", integer}, {"at", when}, {"event", Text()}, {"method", Text()},
                             {"outcome", {{"type", "string"}, {"enum", {"success", "failure", "locked"}}}},
                             {"user", {{"type", "integer"}, {"nullable", true}}},
                             {"actor", {{"type", "integer"}, {"nullable", true}}}, {"ip", Text()}, {"detail", Text()}}}};
  schemas["AuditPage"] = PageSchema(Ref("AuditEntry"));
}

/// The shared schemas: the error envelope and the bodies the operation table names.
Json Components(const config::Settings& s) {
  const bool pair = s.jwt_profile == config::JwtProfile::kPair;
  Json schemas = Json::object();
  schemas["Error"] = {{"type", "object"},
                      {"required", {"message", "code"}},
                      {"properties",
                       {{"message", Text()},
                        {"code", Text()},
                        {"field", {{"type", "string"}, {"nullable", true}}}}}};
  schemas["ErrorEnvelope"] = {{"type", "object"},
                              {"required", {"errors"}},
                              {"properties", {{"errors", {{"type", "array"}, {"items", Ref("Error")}}}}}};
  schemas["Empty"] = {{"type", "object"}};
  schemas["Links"] = {{"type", "object"}, {"additionalProperties", Text()}};
  const auto tokens = pair ? std::vector<std::string>{"token", "refresh"} : std::vector<std::string>{"token"};
  schemas["Tokens"] = StringObject(tokens, tokens);

  std::vector<std::string> login = config::Names(s.user_identity_fields);
  for (const char* n : {"password", "otp"}) AddUnique(login, n);
  for (const auto& n : s.required_auth_fields) AddUnique(login, n);
  schemas["Credentials"] = StringObject(login, s.required_auth_fields);
  // 2FA with a passkey (issue 15): an assertion in place of otp.
  const Json second_factor_passkey = {
      {"type", "object"}, {"description", "a passkey assertion (PublicKeyCredential.toJSON()) as the second factor"}};
  schemas["Credentials"]["properties"]["challenge_id"] = Text();
  schemas["Credentials"]["properties"]["credential"] = second_factor_passkey;

  AddUserSchemas(s, schemas);
  schemas["SetPassword"] = StringObject({"old_password", "new_password"}, {"old_password", "new_password"});
  schemas["TwoFa"] = {{"type", "object"}, {"properties", {{"is_required", {{"type", "boolean"}}}}}};

  std::vector<std::string> otp = config::Names(s.user_identity_fields);
  for (const char* n : {"email", "phone_number", "otp", "password", "redirect_path"}) AddUnique(otp, n);
  schemas["OtpRequest"] = StringObject(otp);
  schemas["OtpSent"] = StringObject({"email", "phone_number"});

  schemas["OtpDevice"] = {{"type", "object"},
                          {"properties",
                           {{"id", {{"type", "integer"}}},
                            {"name", Text()},
                            {"type", Text()},
                            {"confirmed", {{"type", "boolean"}}},
                            {"extra_data", {{"type", "object"}}}}}};
  schemas["OtpDeviceCreate"] = StringObject({"type", "name"}, {"type"});
  schemas["OtpDeviceCreate"]["properties"]["type"]["enum"] = config::Names(s.otp_device_types);
  schemas["OtpConfirm"] = StringObject({"otp"}, {"otp"});
  schemas["OtpDevicePage"] = PageSchema(Ref("OtpDevice"));

  schemas["Session"] = {{"type", "object"},
                        {"required", {"id", "created_at", "last_used_at", "ip", "user_agent", "method", "current"}},
                        {"properties",
                         {{"id", Text()},
                          {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                          {"last_used_at", {{"type", "string"}, {"format", "date-time"}}},
                          {"ip", Text()},
                          {"user_agent", Text()},
                          {"method", {{"type", "string"}, {"enum", {"password", "otp", "magic_link", "social", "passkey", "password_reset"}}}},
                          {"current", {{"type", "boolean"}}}}}};
  schemas["SessionPage"] = PageSchema(Ref("Session"));
  schemas["SessionsRevoked"] = {{"type", "object"},
                                {"required", {"revoked"}},
                                {"properties", {{"revoked", {{"type", "integer"}}}}}};

  schemas["PasswordResetRequest"] = StringObject({"email", "phone_number"});
  schemas["PasswordResetConfirm"] =
      StringObject({"email", "phone_number", "otp", "new_password", "two_fa_otp"}, {"otp", "new_password"});
  schemas["PasswordResetConfirm"]["properties"]["new_password"]["format"] = "password";
  // The second factor of a 2FA user: two_fa_otp, or a passkey assertion as on token/.
  schemas["PasswordResetConfirm"]["properties"]["challenge_id"] = Text();
  schemas["PasswordResetConfirm"]["properties"]["credential"] = second_factor_passkey;

  schemas["IdentityChangeUndo"] = StringObject({"token"}, {"token"});
  // Passkeys (issue 15): WebAuthn Level 3 JSON (base64url without padding).
  const Json credential{{"type", "object"},
                        {"description", "PublicKeyCredential.toJSON(): id, rawId, type, response, clientExtensionResults"},
                        {"required", {"id", "rawId", "type", "response"}},
                        {"properties",
                         {{"id", Text()},
                          {"rawId", Text()},
                          {"type", {{"type", "string"}, {"enum", {"public-key"}}}},
                          {"response", {{"type", "object"}}},
                          {"clientExtensionResults", {{"type", "object"}}}}}};
  schemas["PasskeyOptions"] = {{"type", "object"},
                               {"required", {"challenge_id", "options"}},
                               {"properties",
                                {{"challenge_id", Text()},
                                 {"options", {{"type", "object"},
                                              {"description", "PublicKeyCredentialCreationOptionsJSON or "
                                                              "PublicKeyCredentialRequestOptionsJSON"}}}}}};
  schemas["PasskeyRegistration"] = {{"type", "object"},
                                    {"required", {"challenge_id", "credential"}},
                                    {"properties", {{"challenge_id", Text()}, {"credential", credential}, {"name", Text()}}}};
  schemas["PasskeyAssertion"] = {{"type", "object"},
                                 {"required", {"challenge_id", "credential"}},
                                 {"properties", {{"challenge_id", Text()}, {"credential", credential}}}};
  schemas["Passkey"] = {{"type", "object"},
                        {"required", {"id", "name", "created_at", "last_used_at", "backed_up"}},
                        {"properties",
                         {{"id", {{"type", "integer"}}},
                          {"name", Text()},
                          {"created_at", {{"type", "string"}, {"format", "date-time"}}},
                          {"last_used_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
                          {"backed_up", {{"type", "boolean"}}}}}};
  schemas["PasskeyPage"] = PageSchema(Ref("Passkey"));

  schemas["SocialLogin"] = StringObject({"provider", "access_token", "id_token", "first_name", "last_name", "otp", "password"},
                                      {"provider"});
  schemas["SocialLogin"]["properties"]["challenge_id"] = Text();
  schemas["SocialLogin"]["properties"]["credential"] = second_factor_passkey;
  schemas["SocialTokens"] = StringObject(pair ? std::vector<std::string>{"token", "refresh", "provider"}
                                              : std::vector<std::string>{"token", "provider"});
  schemas["SocialConnectionPage"] = PageSchema(StringObject({"provider", "uid"}));
  schemas["Jwks"] = {{"type", "object"},
                     {"properties", {{"keys", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}};
  schemas["Health"] = StringObject({"status", "database"}, {"status"});
  AddAdminSchemas(schemas);

  Json error_response{{"description", "Error"},
                      {"content", {{"application/json", {{"schema", Ref("ErrorEnvelope")}}}}}};
  return Json{{"schemas", schemas},
              {"responses", {{"Error", error_response}}},
              {"securitySchemes",
               {{"jwtAuth", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}};
}

/// One documented operation: where (relative to API_PREFIX unless it starts with '/'), what it
/// reads and what it answers. Routes without an entry still appear, with a generic 200.
struct OperationDoc {
  std::string method;
  std::string path;
  std::string summary;
  std::string request;  ///< component schema name of the JSON body; empty: none
  int status = 200;
  std::string response;  ///< component schema name; empty: no JSON body described
  std::string media = "application/json";
  std::vector<std::string> query = {};  ///< optional query parameters
  std::vector<int> errors = {};  ///< error statuses beyond the ones every route of its kind has
};

/// THE table of documented operations (the one place to describe a route for the schema).
std::vector<OperationDoc> OperationTable() {
  const char* kJson = "application/json";
  return {
      {"GET", "", "Links to the auth resources", "", 200, "Links"},
      {"POST", "token/", "Log in: credentials (password and/or OTP) for a token", "Credentials", 200, "Tokens"},
      {"POST", "token/refresh/", "Refresh a token", "Refresh", 200, "Tokens"},
      {"POST", "token/verify/", "Check that a token is valid", "Verify", 200, "Empty"},
      {"POST", "token/blacklist/", "Revoke a token", "Blacklist", 200, "Empty"},
      {"POST", "users/", "Sign up, or invite a user when authenticated", "UserWrite", 201, "User"},
      {"GET", "users/{id}/", "The caller's user", "", 200, "User"},
      {"PATCH", "users/{id}/", "Update the caller's user", "UserWrite", 200, "User"},
      {"POST", "users/{id}/set-password/", "Change the caller's password", "SetPassword", 200, "Empty"},
      {"GET", "users/{id}/two-fa/", "Whether 2FA is required for the caller", "", 200, "TwoFa"},
      {"PATCH", "users/{id}/two-fa/", "Require 2FA or not", "TwoFa", 200, "TwoFa"},
      {"POST", "otp/", "Send a one-time code", "OtpRequest", 200, "OtpSent"},
      {"GET", "otp-devices/", "The caller's OTP devices", "", 200, "OtpDevicePage", kJson, {"type", "limit", "offset"}},
      {"POST", "otp-devices/", "Add an OTP device", "OtpDeviceCreate", 201, "OtpDevice"},
      {"GET", "otp-devices/{id}/", "One OTP device", "", 200, "OtpDevice", kJson, {"type"}},
      {"DELETE", "otp-devices/{id}/", "Remove an OTP device", "", 204, "", kJson, {"type"}},
      {"POST", "otp-devices/{id}/confirm/", "Confirm an OTP device with a code", "OtpConfirm", 200, "Empty", kJson, {"type"}},
      {"GET", "sessions/", "The caller's live sessions, newest first", "", 200, "SessionPage", kJson, {"limit", "offset"}},
      {"DELETE", "sessions/{id}/", "Revoke one of the caller's sessions (its tokens are refused at once)", "", 204, ""},
      {"POST", "sessions/revoke-others/", "Revoke every session of the caller but the current one", "", 200, "SessionsRevoked"},
      {"POST", "password-reset/", "Send a password-reset code to an email or phone (the same answer for any address)",
       "PasswordResetRequest", 200, "Empty", kJson, {}, {429}},
      {"POST", "password-reset/confirm/",
       "Set a new password with a reset code (2FA users: two_fa_otp or a passkey too); every earlier session ends",
       "PasswordResetConfirm", 200, "Tokens", kJson, {}, {409}},
      {"POST", "identity-change/undo/",
       "Undo an email or phone change with the old address's one-time link token: the old address is back, "
       "every session ends and a password-reset code goes to it (400 invalid_token on token)",
       "IdentityChangeUndo", 200, "Empty", kJson, {}, {409}},
      {"POST", "passkeys/registration/options/", "Start adding a passkey: creation options and their challenge_id",
       "", 200, "PasskeyOptions"},
      {"POST", "passkeys/registration/verify/",
       "Add the passkey the authenticator created (401 authentication_failed when a check fails)",
       "PasskeyRegistration", 201, "Passkey"},
      {"GET", "passkeys/", "The caller's passkeys", "", 200, "PasskeyPage", kJson, {"limit", "offset"}},
      {"DELETE", "passkeys/{id}/", "Remove a passkey (not a 2FA user's last second factor)", "", 204, "", kJson, {}, {400}},
      {"POST", "passkeys/authentication/options/", "Start a passkey sign-in: request options and their challenge_id",
       "", 200, "PasskeyOptions"},
      {"POST", "passkeys/authentication/verify/",
       "Sign in with a passkey's assertion (401 authentication_failed when a check fails; 2fa_required "
       "when the passkey did not verify the user of a 2FA account)",
       "PasskeyAssertion", 200, "Tokens"},
      {"POST", "social/", "Log in with a social provider's token", "SocialLogin", 200, "SocialTokens"},
      {"POST", "social/connect/", "Link a social account to the caller", "SocialLogin", 200, "SocialTokens"},
      {"GET", "social/connections/", "The caller's social links", "", 200, "SocialConnectionPage", kJson, {"limit", "offset"}},
      {"DELETE", "social/{provider}/", "Unlink a social provider", "", 204, ""},
      {"GET", "admin/users/", "Staff: users whose username, email or phone contains `search`, by id", "", 200,
       "AdminUserPage", kJson, {"search", "limit", "offset"}},
      {"GET", "admin/users/{id}/", "Staff: one user with its devices, 2FA, social links and live sessions", "", 200,
       "AdminUserDetail"},
      {"POST", "admin/users/{id}/activate/", "Staff: activate a user", "", 200, "AdminUser"},
      {"POST", "admin/users/{id}/deactivate/", "Staff: deactivate a user (every token is refused)", "", 200, "AdminUser"},
      {"POST", "admin/users/{id}/revoke-tokens/", "Staff: revoke every token issued to a user so far", "", 200, "AdminUser"},
      {"POST", "admin/users/{id}/require-2fa/", "Staff: require 2FA (the user needs a confirmed device)", "", 200,
       "AdminUser", kJson, {}, {400}},
      {"POST", "admin/users/{id}/clear-2fa/", "Staff: stop requiring 2FA", "", 200, "AdminUser"},
      {"DELETE", "admin/users/{id}/devices/{type}/{device_id}/", "Staff: delete one of a user's OTP devices", "", 204, "",
       kJson, {}, {400}},
      {"POST", "admin/users/{id}/otp-challenge/",
       "Staff: send a code to a user's email or sms device (the code is never in the answer)", "AdminOtpChallenge", 200,
       "AdminOtpChallengeSent", kJson, {}, {429}},
      {"GET", "admin/audit/", "Staff: the audit log, newest first (user: a user id; since: ISO 8601 UTC or Unix seconds)",
       "", 200, "AuditPage", kJson, {"user", "since", "limit", "offset"}},
      {"GET", "magic/{segment}", "Magic-link sign-in page", "", 200, "", "text/html"},
      {"GET", "ui/login/", "Hosted sign-in page (password, email code, 2FA)", "", 200, "", "text/html"},
      {"GET", "ui/passkeys/", "Hosted passkeys page (sign in with a passkey or password; list and add passkeys)", "",
       200, "", "text/html"},
      {"GET", "ui/ui.js", "The hosted pages' script", "", 200, "", "text/javascript"},
      {"GET", "ui/ui.css", "The hosted pages' style sheet", "", 200, "", "text/css"},
      {"GET", "/health/live", "Liveness", "", 200, "Health"},
      {"GET", "/health/ready", "Readiness (checks the database)", "", 200, "Health"},
      {"GET", "/metrics", "Prometheus metrics", "", 200, "", "text/plain"},
      {"GET", "/.well-known/jwks.json", "Public signing keys", "", 200, "Jwks"},
      {"GET", "/api/v1/schema/", "This OpenAPI document", "", 200, "", "application/vnd.oai.openapi+json"},
      {"GET", "/api/v1/swagger/", "Interactive API docs", "", 200, "", "text/html"},
  };
}

/// The token bodies whose field names depend on JWT_PROFILE (the pair profile's `refresh`).
void AddTokenBodies(Json& schemas, const config::Settings& s) {
  const std::string refresh = s.jwt_profile == config::JwtProfile::kPair ? "refresh" : "token";
  schemas["Refresh"] = StringObject({refresh}, {refresh});
  schemas["Verify"] = StringObject({"token"}, {"token"});
  schemas["Blacklist"] = StringObject({"refresh", "token"});
}

std::string Lower(std::string text) {
  for (auto& c : text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return text;
}

Json Operation(const http::Route& route, const OperationDoc* doc, const std::string& operation_id) {
  Json op{{"operationId", operation_id}};
  if (doc) op["summary"] = doc->summary;
  Json params = Json::array();
  bool has_path_params = false;
  for (const auto& seg : route.segments) {
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      params.push_back({{"name", seg.substr(1, seg.size() - 2)}, {"in", "path"}, {"required", true}, {"schema", Text()}});
      has_path_params = true;
    }
  }
  if (doc) {
    for (const auto& name : doc->query) {
      Json schema = name == "type" || name == "search" || name == "since" ? Text() : Json{{"type", "integer"}, {"minimum", 0}};
      params.push_back({{"name", name}, {"in", "query"}, {"required", false}, {"schema", schema}});
    }
  }
  if (!params.empty()) op["parameters"] = params;
  if (doc && !doc->request.empty()) {
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", Ref(doc->request)}}}}}};
  }
  Json responses = Json::object();
  const std::string status = std::to_string(doc ? doc->status : 200);
  Json ok{{"description", doc && doc->status == 204 ? "No content" : "OK"}};
  if (doc && !doc->response.empty()) ok["content"] = {{doc->media, {{"schema", Ref(doc->response)}}}};
  else if (doc && doc->status != 204) ok["content"] = {{doc->media, {{"schema", Text()}}}};
  responses[status] = ok;
  const Json error{{"$ref", "#/components/responses/Error"}};
  if (doc && !doc->request.empty()) responses["400"] = error;
  if (route.options.authenticate) responses["401"] = error;
  if (has_path_params) responses["404"] = error;
  if (doc)
    for (int extra : doc->errors) responses[std::to_string(extra)] = error;
  // Every path answers a blocked address 403 `ip_blocked` before routing.
  responses["403"] = error;
  op["responses"] = responses;
  // Required: the bearer JWT. Optional (the caller changes what happens, e.g. an invitation):
  // bearer or nothing. Not authenticated by the JWT authenticator at all: no requirement.
  if (route.options.auth_required) op["security"] = Json::array({{{"jwtAuth", Json::array()}}});
  else if (route.options.authenticate) op["security"] = Json::array({{{"jwtAuth", Json::array()}}, Json::object()});
  else op["security"] = Json::array();
  return op;
}

}  // namespace

std::string OperationId(const http::Route& route, const std::string& api_prefix) {
  if (route.options.name != route.pattern) return route.options.name;
  std::string path = route.pattern;
  if (path.rfind(api_prefix, 0) == 0) path = path.substr(api_prefix.size());
  std::string id;
  for (char c : path) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (word) id += c;
    else if (!id.empty() && id.back() != '_') id += '_';
  }
  if (!id.empty() && id.back() != '_') id += '_';
  return id + Lower(route.method);
}

std::string BuildOpenApiDocument(const http::Router& router, const config::Settings& settings) {
  const std::vector<OperationDoc> table = OperationTable();
  auto find_doc = [&](const http::Route& route) -> const OperationDoc* {
    for (const auto& doc : table) {
      const std::string pattern = !doc.path.empty() && doc.path.front() == '/' ? doc.path : settings.api_prefix + doc.path;
      if (doc.method == route.method && pattern == route.pattern) return &doc;
    }
    return nullptr;
  };

  Json paths = Json::object();
  std::set<std::string> used_ids;
  for (const auto& route : router.Routes()) {
    std::string id = OperationId(*route, settings.api_prefix);
    // operationIds must be unique: a named route used for two methods gets the method appended.
    if (used_ids.count(id)) id += "_" + Lower(route->method);
    used_ids.insert(id);
    paths[route->pattern][Lower(route->method)] = Operation(*route, find_doc(*route), id);
  }

  Json components = Components(settings);
  AddTokenBodies(components["schemas"], settings);
  // /metrics skips the JWT authenticator but checks METRICS_TOKEN itself when one is set.
  if (!settings.metrics_token.empty() && paths.contains("/metrics") && paths["/metrics"].contains("get")) {
    components["securitySchemes"]["metricsToken"] = {{"type", "http"}, {"scheme", "bearer"}};
    paths["/metrics"]["get"]["security"] = Json::array({{{"metricsToken", Json::array()}}});
    paths["/metrics"]["get"]["responses"]["401"] = {{"$ref", "#/components/responses/Error"}};
  }
  Json doc{{"openapi", "3.0.3"},
           {"info",
            {{"title", "df-auth"},
             {"version", "1.0.0"},
             {"description", "Authentication server wire-compatible with django-df-auth."}}},
           // Relative to the document's own address: the server that serves it.
           {"servers", Json::array({{{"url", "/"}}})},
           {"paths", paths},
           {"components", components}};
  return doc.dump();
}

}  // namespace dfauth::api
