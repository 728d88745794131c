// admin/ (issue 14 item 1): staff-only views and actions on other accounts, through
// admin::AdminService. Anonymous → 401 not_authenticated, not staff → 403 permission_denied;
// an unknown or non-numeric user id → 404 not_found. Every action answers the user as now
// stored (AdminUserJson) except DELETE (204) and otp-challenge ({"sent"}); the code a
// challenge sends is never in the answer.
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>

#include "admin/admin_service.hpp"
#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/pagination.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "text/timestamp.hpp"

namespace dfauth::api {
namespace {

nlohmann::ordered_json OptionalText(const std::optional<std::string>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json OptionalId(const std::optional<int64_t>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json AdminUserJson(const store::User& u) {
  return nlohmann::ordered_json{
      {"id", u.id},
      {"username", u.username},
      {"email", OptionalText(u.email)},
      {"phone_number", OptionalText(u.phone_number)},
      {"first_name", u.first_name},
      {"last_name", u.last_name},
      {"is_active", u.is_active},
      {"is_staff", u.is_staff},
      {"is_superuser", u.is_superuser},
      {"two_fa_required", u.two_fa_required},
      {"date_joined", text::UtcSeconds(u.date_joined)},
      {"last_login", u.last_login ? nlohmann::ordered_json(text::UtcSeconds(*u.last_login)) : nlohmann::ordered_json(nullptr)}};
}

nlohmann::ordered_json DetailJson(const admin::UserDetail& d) {
  nlohmann::ordered_json out = AdminUserJson(d.user);
  nlohmann::ordered_json devices = nlohmann::ordered_json::array();
  for (const auto& dev : d.devices)
    devices.push_back({{"id", dev.id}, {"type", dev.type}, {"name", dev.name}, {"confirmed", dev.confirmed}});
  nlohmann::ordered_json social = nlohmann::ordered_json::array();
  for (const auto& link : d.social)
    social.push_back({{"provider", link.provider}, {"uid", link.uid}, {"created_at", text::UtcSeconds(link.created_at)}});
  nlohmann::ordered_json sessions = nlohmann::ordered_json::array();
  for (const auto& s : d.sessions.sessions)
    sessions.push_back({{"id", s.id},
                        {"created_at", text::UtcSeconds(s.created_at)},
                        {"last_used_at", text::UtcSeconds(s.last_used_at)},
                        {"ip", s.ip},
                        {"user_agent", s.user_agent},
                        {"method", s.method}});
  out["devices"] = std::move(devices);
  out["social"] = std::move(social);
  out["sessions"] = std::move(sessions);
  out["sessions_count"] = d.sessions.count;
  return out;
}

nlohmann::ordered_json AuditJson(const store::AuditEvent& e) {
  return nlohmann::ordered_json{{"id", e.id},
                                {"at", text::UtcSeconds(e.at)},
                                {"event", e.event},
                                {"method", e.method},
                                {"outcome", e.outcome},
                                {"user", OptionalId(e.user_id)},
                                {"actor", OptionalId(e.actor_id)},
                                {"ip", e.ip},
                                {"detail", e.detail}};
}

std::optional<int64_t> ParseId(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

/// The {id} of the path; 404 not_found when it is no user id.
int64_t PathUserId(const http::Request& request) {
  auto it = request.path_params.find("id");
  auto id = it == request.path_params.end() ? std::nullopt : ParseId(it->second);
  if (!id) throw errors::NotFound();
  return *id;
}

/// The staff member making the request, as the audit actor; 403 unless staff.
audit::Actor Staff(const http::Request& request) {
  const store::User& caller = CallerUser(request);
  admin::AdminService::RequireStaff(caller);
  return audit::Actor{caller.id, request.client_ip};
}

store::AuditFilter ReadAuditFilter(const http::Request& request, const Page& page) {
  store::AuditFilter filter;
  filter.limit = page.limit;
  filter.offset = page.offset;
  if (auto user = request.QueryParam("user")) {
    filter.user_id = ParseId(*user);
    if (!filter.user_id) throw errors::Invalid("A valid integer is required.", std::string("user"));
  }
  if (auto since = request.QueryParam("since")) {
    filter.since = text::ParseUtc(*since);
    if (!filter.since)
      throw errors::Invalid("Enter a time as ISO 8601 UTC (2026-12-07T05:30:00Z) or Unix seconds.", std::string("since"));
  }
  return filter;
}

}  // namespace

void RegisterAdminRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const std::string base = prefix + "admin/";
  auto service = std::make_shared<admin::AdminService>(ctx.store, ctx.users, ctx.devices, ctx.tokens.Sessions());

  router.Add("GET", base + "users/", [service](http::Request& request) {
    Staff(request);
    const Page page = ReadPage(request);
    auto search = request.QueryParam("search");
    store::UserPage found = service->Search(search ? std::string(*search) : std::string(), page.offset, page.limit);
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& u : found.users) results.push_back(AdminUserJson(u));
    return JsonResponse(PageJson(request, page, found.count, std::move(results)));
  });

  router.Add("GET", base + "users/{id}/", [service](http::Request& request) {
    Staff(request);
    return JsonResponse(DetailJson(service->Show(PathUserId(request))));
  });

  auto action = [&router, &base, service](const std::string& name,
                                          std::function<store::User(admin::AdminService&, int64_t, const audit::Actor&)> run) {
    router.Add("POST", base + "users/{id}/" + name + "/", [service, run](http::Request& request) {
      const audit::Actor staff = Staff(request);
      return JsonResponse(AdminUserJson(run(*service, PathUserId(request), staff)));
    });
  };
  action("activate", [](admin::AdminService& s, int64_t id, const audit::Actor& a) { return s.SetActive(id, true, a); });
  action("deactivate", [](admin::AdminService& s, int64_t id, const audit::Actor& a) { return s.SetActive(id, false, a); });
  action("revoke-tokens", [](admin::AdminService& s, int64_t id, const audit::Actor& a) { return s.RevokeTokens(id, a); });
  action("require-2fa", [](admin::AdminService& s, int64_t id, const audit::Actor& a) { return s.SetTwoFactorRequired(id, true, a); });
  action("clear-2fa", [](admin::AdminService& s, int64_t id, const audit::Actor& a) { return s.SetTwoFactorRequired(id, false, a); });

  router.Add("DELETE", base + "users/{id}/devices/{type}/{device_id}/", [service](http::Request& request) {
    const audit::Actor staff = Staff(request);
    service->DeleteDevice(PathUserId(request), request.path_params["type"], request.path_params["device_id"], staff);
    return http::Response::Empty(204);
  });

  router.Add("POST", base + "users/{id}/otp-challenge/", [service](http::Request& request) {
    const audit::Actor staff = Staff(request);
    const int64_t id = PathUserId(request);
    auto fields = ReadFields(http::ParseBody(request), {"type", "device_id"});
    RequireFields(fields, {"type", "device_id"});
    const bool sent = service->SendOtpChallenge(id, fields["type"], fields["device_id"], staff);
    return JsonResponse(nlohmann::ordered_json{{"sent", sent}});
  });

  router.Add("GET", base + "audit/", [service](http::Request& request) {
    Staff(request);
    const Page page = ReadPage(request);
    store::AuditPage found = service->Audit(ReadAuditFilter(request, page));
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (const auto& e : found.events) results.push_back(AuditJson(e));
    return JsonResponse(PageJson(request, page, found.count, std::move(results)));
  });
}

}  // namespace dfauth::api
