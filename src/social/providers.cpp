#include "social/providers.hpp"

#include <nlohmann/json.hpp>

#include <ctime>

#include "social/id_token.hpp"
#include "text/percent.hpp"

namespace dfauth::social {
namespace {

/// The JSON object of a provider answer: 400/401/403 mean the token is refused; anything else
/// that is not a 200 JSON object means the provider is unusable now.
nlohmann::json ProviderJson(const FetchResponse& response) {
  if (response.status == 400 || response.status == 401 || response.status == 403)
    throw ProviderRejected();
  if (response.status != 200) throw ProviderUnavailable();
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) throw ProviderUnavailable();
  return body;
}

std::string Text(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();  // Graph ids may come as numbers
  return {};
}

bool Truthy(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && ((it->is_boolean() && it->get<bool>()) || (it->is_string() && *it == "true"));
}

/// A token goes into a header or a query string: refuse control characters (header injection)
/// and sizes no provider issues before any network call.
void CheckTokenText(const std::string& token) {
  if (token.empty() || token.size() > 4096) throw ProviderRejected();
  for (unsigned char ch : token)
    if (ch < 0x21 || ch == 0x7f) throw ProviderRejected();
}

/// The names and raw data of a userinfo answer: the provider's own first/last fields, else its
/// `name` split as python-social-auth does.
void SetNames(SocialIdentity& identity, const nlohmann::json& body, const char* first_key, const char* last_key) {
  identity.first_name = Text(body, first_key);
  identity.last_name = Text(body, last_key);
  if (identity.first_name.empty() && identity.last_name.empty()) {
    auto [first, last] = SplitName(Text(body, "name"));
    identity.first_name = first;
    identity.last_name = last;
  }
  identity.extra_json = body.dump();
}

class GoogleProvider final : public Provider {
 public:
  GoogleProvider(const config::Settings& s, Fetcher fetcher, JwksCache& jwks, Clock clock)
      : userinfo_url_(s.social_auth_google_oauth2_userinfo_url),
        check_{s.social_auth_google_oauth2_jwks_url,
               {"https://accounts.google.com", "accounts.google.com"},
               s.social_auth_google_oauth2_key,
               true},
        fetcher_(std::move(fetcher)), jwks_(jwks), clock_(std::move(clock)) {}

  std::string Name() const override { return "google-oauth2"; }

  SocialIdentity Authenticate(const std::string& access_token,
                              const std::optional<std::string>& id_token) override {
    if (id_token && !id_token->empty()) return VerifyIdToken(*id_token, check_, jwks_, clock_());
    if (LooksLikeJwt(access_token)) return VerifyIdToken(access_token, check_, jwks_, clock_());
    CheckTokenText(access_token);
    auto body = ProviderJson(fetcher_(userinfo_url_, {"Authorization: Bearer " + access_token,
                                                      "Accept: application/json"}));
    SocialIdentity identity;
    identity.uid = Text(body, "sub");
    if (identity.uid.empty()) throw ProviderUnavailable();
    if (std::string email = Text(body, "email"); !email.empty()) identity.email = email;
    identity.email_verified = Truthy(body, "email_verified");
    SetNames(identity, body, "given_name", "family_name");
    return identity;
  }

 private:
  std::string userinfo_url_;
  IdTokenCheck check_;
  Fetcher fetcher_;
  JwksCache& jwks_;
  Clock clock_;
};

class FacebookProvider final : public Provider {
 public:
  FacebookProvider(const config::Settings& s, Fetcher fetcher)
      : userinfo_url_(s.social_auth_facebook_userinfo_url), fetcher_(std::move(fetcher)) {}

  std::string Name() const override { return "facebook"; }

  SocialIdentity Authenticate(const std::string& access_token,
                              const std::optional<std::string>&) override {
    CheckTokenText(access_token);
    std::string url = userinfo_url_;
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += "fields=id,name,email,first_name,last_name&access_token=" + text::PercentEncode(access_token);
    auto body = ProviderJson(fetcher_(url, {"Accept: application/json"}));
    SocialIdentity identity;
    identity.uid = Text(body, "id");
    if (identity.uid.empty()) throw ProviderUnavailable();
    // Graph returns only confirmed addresses (interface.md §3, "Social").
    if (std::string email = Text(body, "email"); !email.empty()) {
      identity.email = email;
      identity.email_verified = true;
    }
    SetNames(identity, body, "first_name", "last_name");
    return identity;
  }

 private:
  std::string userinfo_url_;
  Fetcher fetcher_;
};

class AppleProvider final : public Provider {
 public:
  AppleProvider(const config::Settings& s, JwksCache& jwks, Clock clock)
      : check_{s.social_auth_apple_id_jwks_url, {"https://appleid.apple.com"},
               s.social_auth_apple_id_client, /*take_names=*/false},
        jwks_(jwks), clock_(std::move(clock)) {}

  std::string Name() const override { return "apple-id"; }

  SocialIdentity Authenticate(const std::string& access_token,
                              const std::optional<std::string>& id_token) override {
    // Apple's access tokens can only be checked with the client secret flow; its ID token is
    // the proof a client holds.
    const std::string& token = id_token && !id_token->empty() ? *id_token : access_token;
    return VerifyIdToken(token, check_, jwks_, clock_());
  }

 private:
  IdTokenCheck check_;
  JwksCache& jwks_;
  Clock clock_;
};

}  // namespace

std::map<std::string, std::unique_ptr<Provider>> MakeProviders(const config::Settings& settings,
                                                               Fetcher fetcher, JwksCache& jwks,
                                                               Clock clock) {
  if (!clock) clock = [] { return static_cast<int64_t>(std::time(nullptr)); };
  std::map<std::string, std::unique_ptr<Provider>> out;
  if (!settings.social_auth_google_oauth2_key.empty())
    out["google-oauth2"] = std::make_unique<GoogleProvider>(settings, fetcher, jwks, clock);
  if (!settings.social_auth_facebook_key.empty())
    out["facebook"] = std::make_unique<FacebookProvider>(settings, fetcher);
  if (!settings.social_auth_apple_id_client.empty())
    out["apple-id"] = std::make_unique<AppleProvider>(settings, jwks, clock);
  return out;
}

}  // namespace dfauth::social
