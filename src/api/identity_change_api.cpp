// identity-change/undo/ (issue 16 item 3). The use case is auth::IdentityChangeService; this file
// reads the body and writes the answer.
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"

namespace dfauth::api {

void RegisterIdentityChangeRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  // Anyone holding the link: the account may be in someone else's hands by now.
  const http::RouteOptions anyone{.auth_required = false};
  router.Add("POST", prefix + "identity-change/undo/", [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"token"});
    RequireFields(fields, {"token"});
    ctx.identity_changes.Undo(fields["token"]);
    return JsonResponse(nlohmann::json::object());
  }, anyone);
}

}  // namespace dfauth::api
