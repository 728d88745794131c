// The route table: every resource's routes, mounted in one place (interface.md §3).
#include "api/context.hpp"
#include "api/routes_internal.hpp"

namespace dfauth::api {

void RegisterRoutes(http::Router& router, ApiContext& ctx) {
  const std::string& prefix = ctx.settings.api_prefix;
  RegisterOpsRoutes(router, ctx, prefix);
  RegisterTokenRoutes(router, ctx, prefix);
  RegisterUserRoutes(router, ctx, prefix);
  RegisterSocialRoutes(router, ctx, prefix);
  RegisterOtpRoutes(router, ctx, prefix);
  RegisterOtpDeviceRoutes(router, ctx, prefix);
  RegisterMagicRoutes(router, ctx, prefix);
  RegisterUiRoutes(router, ctx, prefix);
  RegisterSessionRoutes(router, ctx, prefix);
  RegisterPasswordResetRoutes(router, ctx, prefix);
  RegisterPasskeyRoutes(router, ctx, prefix);
  RegisterAdminRoutes(router, ctx, prefix);
  RegisterIdentityChangeRoutes(router, ctx, prefix);
  RegisterDocsRoutes(router, ctx);
}

}  // namespace dfauth::api
