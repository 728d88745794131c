#include "api/openapi.hpp"

#include <functional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace dfauth::api {
namespace {

using nlohmann::json;

http::Response Nothing(http::Request&) { return {}; }

http::Router SampleRouter(const std::string& prefix) {
  http::Router router;
  router.Add("POST", prefix + "token/", Nothing, {.auth_required = false});
  router.Add("POST", prefix + "token/refresh/", Nothing, {.auth_required = false});
  router.Add("POST", prefix + "users/", Nothing, {.auth_required = false, .path_public = false});
  router.Add("GET", prefix + "users/{id}/", Nothing);
  router.Add("PATCH", prefix + "users/{id}/", Nothing);
  router.Add("DELETE", prefix + "otp-devices/{id}/", Nothing);
  router.Add("GET", prefix + "undocumented/{a}/{b}/", Nothing);
  router.Add("GET", "/metrics", Nothing, {.auth_required = false, .authenticate = false});
  router.Add("GET", prefix, Nothing, {.name = "root"});
  return router;
}

json Build(const config::Settings& settings) {
  return json::parse(BuildOpenApiDocument(SampleRouter(settings.api_prefix), settings));
}

/// Follows a local "#/a/b" reference; null when it does not resolve.
const json* Resolve(const json& doc, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return nullptr;
  try {
    const json& node = doc.at(json::json_pointer(ref.substr(1)));
    return &node;
  } catch (const json::exception&) {
    return nullptr;
  }
}

void CollectRefs(const json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) out.push_back(it->get<std::string>());
      else CollectRefs(*it, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) CollectRefs(item, out);
  }
}

TEST(OpenApi, EveryRouteIsAPathOperationWithResponses) {
  config::Settings settings;
  json doc = Build(settings);
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["info"]["title"], "df-auth");
  EXPECT_EQ(doc["paths"].size(), 8u);
  int operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      ++operations;
      EXPECT_FALSE(op["responses"].empty()) << method << " " << path;
      EXPECT_TRUE(op.contains("operationId")) << method << " " << path;
    }
  }
  EXPECT_EQ(operations, 9);
  EXPECT_TRUE(doc["paths"]["/api/v1/auth/users/{id}/"].contains("get"));
  EXPECT_TRUE(doc["paths"]["/api/v1/auth/users/{id}/"].contains("patch"));
  // A route without a table entry still appears, with a generic answer and its parameters.
  const json& undocumented = doc["paths"]["/api/v1/auth/undocumented/{a}/{b}/"]["get"];
  EXPECT_EQ(undocumented["responses"]["200"]["description"], "OK");
  ASSERT_EQ(undocumented["parameters"].size(), 2u);
  EXPECT_EQ(undocumented["parameters"][1]["name"], "b");
  EXPECT_EQ(undocumented["parameters"][1]["in"], "path");
  EXPECT_EQ(undocumented["parameters"][1]["required"], true);
}

TEST(OpenApi, SecurityFollowsRouteOptions) {
  config::Settings settings;
  json doc = Build(settings);
  const json bearer = json::array({{{"jwtAuth", json::array()}}});
  EXPECT_EQ(doc["paths"]["/api/v1/auth/users/{id}/"]["get"]["security"], bearer);
  EXPECT_EQ(doc["paths"]["/api/v1/auth/otp-devices/{id}/"]["delete"]["security"], bearer);
  // Public but authenticated when a token is sent (an invitation): bearer or nothing.
  EXPECT_EQ(doc["paths"]["/api/v1/auth/users/"]["post"]["security"],
            json::array({{{"jwtAuth", json::array()}}, json::object()}));
  EXPECT_EQ(doc["paths"]["/metrics"]["get"]["security"], json::array());
  EXPECT_EQ(doc["components"]["securitySchemes"]["jwtAuth"],
            (json{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}));
}

TEST(OpenApi, MetricsTokenIsItsOwnBearerScheme) {
  config::Settings settings;
  settings.metrics_token = "scrape-secret";
  json doc = Build(settings);
  EXPECT_EQ(doc["paths"]["/metrics"]["get"]["security"], json::array({{{"metricsToken", json::array()}}}));
  EXPECT_EQ(doc["components"]["securitySchemes"]["metricsToken"], (json{{"type", "http"}, {"scheme", "bearer"}}));
  EXPECT_EQ(doc["paths"]["/metrics"]["get"]["responses"]["401"]["$ref"], "#/components/responses/Error");
  EXPECT_EQ(BuildOpenApiDocument(SampleRouter(settings.api_prefix), settings).find("scrape-secret"),
            std::string::npos);
}

TEST(OpenApi, TableEntriesDescribeBodiesAndStatuses) {
  config::Settings settings;
  json doc = Build(settings);
  const json& signup = doc["paths"]["/api/v1/auth/users/"]["post"];
  EXPECT_EQ(signup["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/UserWrite");
  EXPECT_EQ(signup["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/User");
  EXPECT_EQ(signup["responses"]["400"]["$ref"], "#/components/responses/Error");
  EXPECT_EQ(signup["responses"]["403"]["$ref"], "#/components/responses/Error");  // ip_blocked
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) EXPECT_TRUE(op["responses"].contains("403")) << method << " " << path;
  }
  EXPECT_EQ(doc["servers"], json::parse(R"([{"url": "/"}])"));
  EXPECT_TRUE(doc["paths"]["/api/v1/auth/otp-devices/{id}/"]["delete"]["responses"].contains("204"));
  const json& user = doc["components"]["schemas"]["User"]["properties"];
  EXPECT_TRUE(user.contains("email"));
  EXPECT_TRUE(user.contains("id"));
  EXPECT_FALSE(user.contains("password"));
  EXPECT_TRUE(doc["components"]["schemas"]["UserWrite"]["properties"].contains("password"));
  const json& envelope = doc["components"]["schemas"]["ErrorEnvelope"];
  EXPECT_EQ(envelope["properties"]["errors"]["items"]["$ref"], "#/components/schemas/Error");
  EXPECT_EQ(doc["components"]["schemas"]["Error"]["required"], json::array({"message", "code"}));
}

TEST(OpenApi, UserSchemasFollowFieldSettings) {
  config::Settings settings;
  settings.user_identity_fields = {config::IdentityField::kEmail};
  settings.user_optional_fields = {"first_name", "password"};
  settings.user_extra_fields = {{"age", "int"}, {"newsletter", "bool"}};
  settings.required_auth_fields = {"captcha"};
  json doc = Build(settings);
  const json& schemas = doc["components"]["schemas"];
  std::vector<std::string> user_fields;
  for (const auto& item : schemas["User"]["properties"].items()) user_fields.push_back(item.key());
  // Parsed into nlohmann::json: keys come back sorted.
  EXPECT_EQ(user_fields, (std::vector<std::string>{"age", "email", "first_name", "id", "newsletter"}));
  EXPECT_EQ(schemas["User"]["properties"]["age"], (json{{"type", "integer"}, {"nullable", true}}));
  EXPECT_EQ(schemas["UserWrite"]["properties"]["newsletter"]["type"], "boolean");
  EXPECT_EQ(schemas["UserWrite"]["properties"]["password"]["format"], "password");
  EXPECT_EQ(schemas["Credentials"]["required"], json::array({"captcha"}));
  EXPECT_TRUE(schemas["Credentials"]["properties"].contains("otp"));
  EXPECT_FALSE(schemas["Credentials"]["properties"].contains("username"));
}

TEST(OpenApi, EveryRefResolves) {
  for (config::JwtProfile profile : {config::JwtProfile::kSliding, config::JwtProfile::kPair}) {
    config::Settings settings;
    settings.jwt_profile = profile;
    json doc = Build(settings);
    std::vector<std::string> refs;
    CollectRefs(doc, refs);
    EXPECT_GT(refs.size(), 10u);
    for (const auto& ref : refs) EXPECT_NE(Resolve(doc, ref), nullptr) << ref;
  }
}

TEST(OpenApi, PairProfileRefreshesWithTheRefreshField) {
  config::Settings sliding;
  EXPECT_EQ(Build(sliding)["components"]["schemas"]["Refresh"]["required"], json::array({"token"}));
  EXPECT_EQ(Build(sliding)["components"]["schemas"]["Tokens"]["required"], json::array({"token"}));
  config::Settings pair;
  pair.jwt_profile = config::JwtProfile::kPair;
  json doc = Build(pair);
  EXPECT_EQ(doc["components"]["schemas"]["Refresh"]["required"], json::array({"refresh"}));
  EXPECT_EQ(doc["components"]["schemas"]["Tokens"]["required"], json::array({"token", "refresh"}));
}

TEST(OpenApi, FollowsApiPrefix) {
  config::Settings settings;
  settings.api_prefix = "/auth/";
  json doc = Build(settings);
  EXPECT_TRUE(doc["paths"].contains("/auth/users/{id}/"));
  EXPECT_FALSE(doc["paths"].contains("/api/v1/auth/users/{id}/"));
  EXPECT_EQ(doc["paths"]["/auth/users/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/UserWrite");
  EXPECT_EQ(doc["paths"]["/auth/token/"]["post"]["operationId"], "token_post");
}

TEST(OpenApi, OperationIdsAreDerivedAndUnique) {
  http::Router router = SampleRouter("/api/v1/auth/");
  std::vector<std::string> ids;
  for (const auto& route : router.Routes()) ids.push_back(OperationId(*route, "/api/v1/auth/"));
  EXPECT_EQ(ids, (std::vector<std::string>{"token_post", "token_refresh_post", "users_post", "users_id_get",
                                           "users_id_patch", "otp_devices_id_delete",
                                           "undocumented_a_b_get", "metrics_get", "root"}));
  router.Add("POST", "/api/v1/auth/", Nothing, {.name = "root"});
  json doc = json::parse(BuildOpenApiDocument(router, config::Settings{}));
  EXPECT_EQ(doc["paths"]["/api/v1/auth/"]["get"]["operationId"], "root");
  EXPECT_EQ(doc["paths"]["/api/v1/auth/"]["post"]["operationId"], "root_post");
}

}  // namespace
}  // namespace dfauth::api
