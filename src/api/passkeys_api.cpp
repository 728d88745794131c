// passkeys/ (issue 15): WebAuthn registration, the caller's passkeys, and sign-in with a passkey.
// Bodies in the WebAuthn Level 3 JSON serialisation (toJSON(), base64url without padding). A
// malformed body is 400 on `credential` / `challenge_id`; a failed check 401
// authentication_failed (the log names the check: passkey_service.hpp).
#include <nlohmann/json.hpp>

#include "api/context.hpp"
#include "api/fields.hpp"
#include "api/pagination.hpp"
#include "api/routes_internal.hpp"
#include "http/body.hpp"
#include "text/timestamp.hpp"

namespace dfauth::api {
namespace {

constexpr const char* kBadCredential = "Not a valid credential.";

nlohmann::ordered_json PasskeyJson(const store::Passkey& p) {
  return nlohmann::ordered_json{
      {"id", p.id},
      {"name", p.name},
      {"created_at", text::UtcSeconds(p.created_at)},
      {"last_used_at", p.last_used_at == 0 ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(text::UtcSeconds(p.last_used_at))},
      {"backed_up", p.backed_up}};
}

/// A string member of `object`, or 400 on `credential`.
std::string CredentialString(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) throw errors::Invalid(kBadCredential, std::string("credential"));
  return it->get<std::string>();
}

}  // namespace

passkey::CredentialJson ReadPasskeyCredential(const nlohmann::json& body, bool registration) {
  auto it = body.find("credential");
  if (it == body.end() || it->is_null()) throw errors::Required("credential");
  if (!it->is_object()) throw errors::Invalid(kBadCredential, std::string("credential"));
  const nlohmann::json& credential = *it;
  auto response = credential.find("response");
  if (response == credential.end() || !response->is_object())
    throw errors::Invalid(kBadCredential, std::string("credential"));
  passkey::CredentialJson out;
  out.id = CredentialString(credential, "id");
  out.raw_id = CredentialString(credential, "rawId");
  out.type = CredentialString(credential, "type");
  out.client_data_json = CredentialString(*response, "clientDataJSON");
  if (auto ext = credential.find("clientExtensionResults"); ext != credential.end() && !ext->is_null()) {
    if (!ext->is_object()) throw errors::Invalid(kBadCredential, std::string("credential"));
    out.has_client_extension_results = !ext->empty();
  }
  if (registration) {
    out.attestation_object = CredentialString(*response, "attestationObject");
    if (auto transports = response->find("transports"); transports != response->end()) {
      if (!transports->is_array()) throw errors::Invalid(kBadCredential, std::string("credential"));
      for (const auto& t : *transports) {
        if (!t.is_string()) throw errors::Invalid(kBadCredential, std::string("credential"));
        out.transports.push_back(t.get<std::string>());
      }
    }
  } else {
    out.authenticator_data = CredentialString(*response, "authenticatorData");
    out.signature = CredentialString(*response, "signature");
    if (auto handle = response->find("userHandle"); handle != response->end() && !handle->is_null()) {
      if (!handle->is_string()) throw errors::Invalid(kBadCredential, std::string("credential"));
      out.user_handle = handle->get<std::string>();
    }
  }
  return out;
}

std::string ReadPasskeyChallengeId(const nlohmann::json& body) {
  auto fields = ReadFields(body, {"challenge_id"});
  RequireFields(fields, {"challenge_id"});
  return fields["challenge_id"];
}

auth::SecondFactor ReadPasskeySecondFactor(ApiContext& ctx, const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("credential")) return {};
  std::string challenge_id = ReadPasskeyChallengeId(body);
  return [&ctx, challenge_id = std::move(challenge_id), assertion = ReadPasskeyCredential(body, false)](
             const store::User& user) { ctx.passkeys.VerifySecondFactor(user, challenge_id, assertion); };
}

namespace {

nlohmann::ordered_json AlgorithmParams() {
  nlohmann::ordered_json params = nlohmann::ordered_json::array();
  for (int alg : {-7, -8, -257}) params.push_back({{"type", "public-key"}, {"alg", alg}});  // ES256, EdDSA, RS256
  return params;
}

/// POST passkeys/registration/options/: PublicKeyCredentialCreationOptionsJSON.
http::Response RegistrationOptions(ApiContext& ctx, const http::Request& request) {
  const store::User& user = CallerUser(request);
  const passkey::PasskeyService& service = ctx.passkeys;
  passkey::IssuedChallenge issued = ctx.passkeys.BeginRegistration(user.id);
  nlohmann::ordered_json exclude = nlohmann::ordered_json::array();
  for (const auto& p : ctx.passkeys.List(user.id)) {
    nlohmann::ordered_json entry = {{"type", "public-key"}, {"id", p.credential_id}};
    if (!p.transports.empty()) {
      nlohmann::ordered_json transports = nlohmann::ordered_json::array();
      for (size_t start = 0; start <= p.transports.size();) {
        size_t comma = p.transports.find(',', start);
        if (comma == std::string::npos) comma = p.transports.size();
        transports.push_back(p.transports.substr(start, comma - start));
        start = comma + 1;
      }
      entry["transports"] = transports;
    }
    exclude.push_back(entry);
  }
  std::string name = !user.username.empty() ? user.username : user.email.value_or("user " + std::to_string(user.id));
  std::string display = user.first_name;
  if (!user.last_name.empty()) display += (display.empty() ? "" : " ") + user.last_name;
  if (display.empty()) display = name;
  nlohmann::ordered_json options = {
      {"rp", {{"id", service.Rp().rp_id}, {"name", service.RpName()}}},
      {"user", {{"id", passkey::UserHandleOf(user.id)}, {"name", name}, {"displayName", display}}},
      {"challenge", issued.challenge},
      {"pubKeyCredParams", AlgorithmParams()},
      {"timeout", service.TimeoutSeconds() * 1000},
      {"excludeCredentials", exclude},
      {"authenticatorSelection",
       {{"residentKey", "required"},
        {"requireResidentKey", true},
        {"userVerification", service.Rp().user_verification_required ? "required" : "preferred"}}},
      {"attestation", "none"}};
  return JsonResponse(nlohmann::ordered_json{{"challenge_id", issued.id}, {"options", options}});
}

/// POST passkeys/registration/verify/ {challenge_id, credential, name}.
http::Response RegistrationVerify(ApiContext& ctx, const http::Request& request) {
  const store::User& user = CallerUser(request);
  nlohmann::json body = http::ParseBody(request);
  std::string challenge_id = ReadPasskeyChallengeId(body);
  auto fields = ReadFields(body, {"name"});
  std::string name = fields.count("name") ? fields["name"] : "";
  if (name.size() > 255) {
    throw ApiError(400, "max_length", "Ensure this field has no more than 255 characters.", std::string("name"));
  }
  if (name.empty()) name = "Passkey";
  passkey::CredentialJson credential = ReadPasskeyCredential(body, true);
  store::Passkey created = ctx.passkeys.FinishRegistration(user.id, challenge_id, credential, name);
  return JsonResponse(PasskeyJson(created), 201);
}

/// POST passkeys/authentication/options/: PublicKeyCredentialRequestOptionsJSON.
http::Response AuthenticationOptions(ApiContext& ctx) {
  const passkey::PasskeyService& service = ctx.passkeys;
  passkey::IssuedChallenge issued = ctx.passkeys.BeginAuthentication();
  nlohmann::ordered_json options = {
      {"challenge", issued.challenge},
      {"timeout", service.TimeoutSeconds() * 1000},
      {"rpId", service.Rp().rp_id},
      {"allowCredentials", nlohmann::ordered_json::array()},
      {"userVerification", service.Rp().user_verification_required ? "required" : "preferred"}};
  return JsonResponse(nlohmann::ordered_json{{"challenge_id", issued.id}, {"options", options}});
}

/// POST passkeys/authentication/verify/ {challenge_id, credential}: the token of a sign-in.
http::Response AuthenticationVerify(ApiContext& ctx, const http::Request& request) {
  nlohmann::json body = http::ParseBody(request);
  std::string challenge_id = ReadPasskeyChallengeId(body);
  passkey::CredentialJson credential = ReadPasskeyCredential(body, false);
  static constexpr const char* kHelp = "Logins on POST token/ by method and outcome";
  try {
    passkey::SignedIn done = ctx.passkeys.FinishAuthentication(challenge_id, credential, request.client_ip);
    // A passkey verified with UV is two factors by itself; without UV it is one.
    if (!done.user_verified) ctx.login.PassTwoFactorGate(done.user, std::nullopt);
    auto response = TokensResponse(ctx.tokens.Issue(done.user, SessionStartOf(request, token::SignInMethod::kPasskey)));
    ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", "passkey"}, {"outcome", "success"}});
    return response;
  } catch (const ApiError& e) {
    ctx.metrics.Increment("dfauth_logins_total", kHelp, {{"method", "passkey"}, {"outcome", e.Code()}});
    throw;
  }
}

}  // namespace

void RegisterPasskeyRoutes(http::Router& router, ApiContext& ctx, const std::string& prefix) {
  const std::string base = prefix + "passkeys/";
  const http::RouteOptions anyone{.auth_required = false};

  router.Add("POST", base + "registration/options/",
             [&ctx](http::Request& request) { return RegistrationOptions(ctx, request); });
  router.Add("POST", base + "registration/verify/",
             [&ctx](http::Request& request) { return RegistrationVerify(ctx, request); });
  router.Add("GET", base, [&ctx](http::Request& request) {
    std::vector<store::Passkey> all = ctx.passkeys.List(CallerUser(request).id);
    const Page page = ReadPage(request);
    const int64_t count = static_cast<int64_t>(all.size());
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (int64_t i = page.offset; i < count && i < page.offset + page.limit; ++i) results.push_back(PasskeyJson(all[i]));
    return JsonResponse(PageJson(request, page, count, std::move(results)));
  });
  router.Add("DELETE", base + "{id}/", [&ctx](http::Request& request) {
    ctx.passkeys.Delete(CallerUser(request), request.path_params["id"]);
    return http::Response::Empty(204);
  });
  router.Add("POST", base + "authentication/options/",
             [&ctx](http::Request&) { return AuthenticationOptions(ctx); }, anyone);
  router.Add("POST", base + "authentication/verify/",
             [&ctx](http::Request& request) { return AuthenticationVerify(ctx, request); }, anyone);
}

}  // namespace dfauth::api
