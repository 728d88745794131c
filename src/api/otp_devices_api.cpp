// otp-devices/ (reference-contract R12–R16 with interface.md §3: 404 for missing devices, 400
// for unknown types, static backup codes, the last-device rule).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/guard_checks.hpp"
#include "api/fields.hpp"
#include "api/pagination.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"

namespace dfauth::api {
namespace {

nlohmann::ordered_json DeviceJson(const store::Device& d) {
  return nlohmann::ordered_json{{"id", d.id},
                                {"name", d.name},
                                {"type", d.type},
                                {"confirmed", d.confirmed},
                                {"extra_data", nlohmann::ordered_json::object()}};
}

/// The `type` query parameter of the detail routes, which must name a configured type.
std::string RequiredType(const ApiContext& ctx, const http::Request& request) {
  auto type = request.QueryParam("type");
  std::optional<std::string> value;
  if (type) value = std::string(*type);
  ctx.devices.RequireConfiguredType(value);
  return *value;
}

/// GET otp-devices/[?type=]: the caller's devices, paginated (reference R12).
http::Response ListDevices(ApiContext& ctx, const http::Request& request) {
  const store::User& user = CallerUser(request);
  std::optional<std::string> filter;
  if (auto type = request.QueryParam("type")) {
    filter = std::string(*type);
    ctx.devices.RequireConfiguredType(filter);
  }
  std::vector<store::Device> all = ctx.devices.List(user.id);
  if (filter)
    all.erase(std::remove_if(all.begin(), all.end(), [&](const store::Device& d) { return d.type != *filter; }),
              all.end());
  const Page page = ReadPage(request);
  const int64_t count = static_cast<int64_t>(all.size());
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (int64_t i = page.offset; i < count && i < page.offset + page.limit; ++i) results.push_back(DeviceJson(all[i]));
  return JsonResponse(PageJson(request, page, count, std::move(results)));
}

}  // namespace

void RegisterOtpDeviceRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const std::string base = prefix + "otp-devices/";

  router.Add("GET", base, [&ctx](http::Request& request) { return ListDevices(ctx, request); });

  router.Add("POST", base, [&ctx](http::Request& request) {
    auto fields = ReadFields(http::ParseBody(request), {"type", "name"});
    auto type = fields.find("type");
    if (type == fields.end()) throw errors::Required("type");
    if (!ctx.devices.IsConfiguredType(type->second)) {
      throw errors::Invalid("Invalid device type. Must be one of " +
                                config::JoinedNames(ctx.settings.otp_device_types),
                            std::string("type"));
    }
    std::optional<std::string> name;
    if (auto it = fields.find("name"); it != fields.end()) name = it->second;
    if (name && type->second == "email") CheckIdentityFields(ctx, {{"email", *name}});
    if (name && type->second == "sms") CheckIdentityFields(ctx, {{"phone_number", *name}});
    otp::CreatedDevice created = ctx.devices.Create(CallerUser(request), type->second, name);
    nlohmann::ordered_json out = DeviceJson(created.device);
    if (!created.url.empty()) out["extra_data"] = {{"url", created.url}, {"qr_svg", created.qr_svg}};
    if (!created.codes.empty()) out["extra_data"] = {{"codes", created.codes}};
    return JsonResponse(out, 201);
  });

  router.Add("GET", base + "{id}/", [&ctx](http::Request& request) {
    std::string type = RequiredType(ctx, request);
    return JsonResponse(DeviceJson(ctx.devices.Get(CallerUser(request).id, type, request.path_params["id"])));
  });

  router.Add("DELETE", base + "{id}/", [&ctx](http::Request& request) {
    std::string type = RequiredType(ctx, request);
    ctx.devices.Delete(CallerUser(request), type, request.path_params["id"]);
    return http::Response::Empty(204);
  });

  router.Add("POST", base + "{id}/confirm/", [&ctx](http::Request& request) {
    std::string type = RequiredType(ctx, request);
    const store::User& user = CallerUser(request);
    ctx.devices.Get(user.id, type, request.path_params["id"]);  // 404 before reading the body
    auto fields = ReadFields(http::ParseBody(request), {"otp"});
    auto otp = fields.find("otp");
    if (otp == fields.end()) throw errors::Required("otp");
    if (otp->second.empty()) throw ApiError(400, "blank", "This field may not be blank.", "otp");
    ctx.devices.Confirm(user, type, request.path_params["id"], otp->second);
    return JsonResponse(nlohmann::json::object());
  });
}

}  // namespace dfauth::api
