// sessions/ (issue 16 item 1): the caller's sessions, newest first; revoking one or all others.
// A missing or another user's session is 404 not_found, as otp-devices/ answers.
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/pagination.hpp"
#include "api/routes_internal.hpp"
#include "dfauth/error.hpp"
#include "text/timestamp.hpp"

namespace dfauth::api {
namespace {

nlohmann::ordered_json SessionJson(const store::Session& s, std::string_view current_sid) {
  return nlohmann::ordered_json{{"id", s.id},
                                {"created_at", text::UtcSeconds(s.created_at)},
                                {"last_used_at", text::UtcSeconds(s.last_used_at)},
                                {"ip", s.ip},
                                {"user_agent", s.user_agent},
                                {"method", s.method},
                                {"current", !current_sid.empty() && s.id == current_sid}};
}

}  // namespace

void RegisterSessionRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const std::string base = prefix + "sessions/";

  router.Add("GET", base, [&ctx](http::Request& request) {
    const store::User& user = CallerUser(request);
    const Page page = ReadPage(request);
    store::SessionPage found = ctx.tokens.Sessions().List(user.id, page.limit, page.offset);
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& s : found.sessions) results.push_back(SessionJson(s, request.caller.sid));
    return JsonResponse(PageJson(request, page, found.count, std::move(results)));
  });

  router.Add("POST", base + "revoke-others/", [&ctx](http::Request& request) {
    const store::User& user = CallerUser(request);
    const int64_t revoked = ctx.tokens.Sessions().RevokeOthers(user.id, request.caller.sid);
    return JsonResponse(nlohmann::json{{"revoked", revoked}});
  });

  router.Add("DELETE", base + "{id}/", [&ctx](http::Request& request) {
    const store::User& user = CallerUser(request);
    if (!ctx.tokens.Sessions().Revoke(user.id, request.path_params["id"])) throw errors::NotFound();
    return http::Response::Empty(204);
  });
}

}  // namespace dfauth::api
