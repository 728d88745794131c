#include "passkey/passkey_service.hpp"

#include <charconv>
#include <chrono>

#include "audit/audit.hpp"
#include "crypto/primitives.hpp"
#include "dfauth/error.hpp"
#include "guard/guard.hpp"

namespace dfauth::passkey {
namespace {

constexpr const char* kRegistration = "registration";
constexpr const char* kAuthentication = "authentication";
constexpr int64_t kPurgeEverySeconds = 60;
constexpr int64_t kPurgeRowsPerRound = 400;

/// What the log may say of a credential: a short hash of its id, never the id itself.
std::string CredentialTag(std::string_view raw_id) {
  return crypto::HexEncode(crypto::Sha256(raw_id)).substr(0, 16);
}

/// A failed check: 401 authentication_failed; the log names the check and the credential's
/// hash, and the audit entry of a refused sign-in the check (its first word).
struct Refusal : ApiError {
  Refusal(ApiError error, std::string_view check_name)
      : ApiError(std::move(error)), check(check_name.substr(0, check_name.find(' '))) {}
  std::string check;
};

Refusal Refused(std::string_view ceremony, std::string_view check, std::string_view raw_id = {}) {
  std::string detail = "passkey " + std::string(ceremony) + " refused: check " + std::string(check);
  if (!raw_id.empty()) detail += ", credential " + CredentialTag(raw_id);
  return Refusal(errors::AuthenticationFailed().WithLogDetail(std::move(detail)), check);
}

std::string PasskeyDetail(int64_t id) { return "passkey " + std::to_string(id); }

/// 400 invalid on `credential`; the log says what was malformed (never the bytes).
ApiError Malformed(std::string_view ceremony, const std::exception& e) {
  return errors::Invalid("Not a valid credential.", std::string("credential"))
      .WithLogDetail("passkey " + std::string(ceremony) + ": malformed credential: " + e.what());
}

/// scheme://host[:port] and the host of a URL; empty strings when it has no scheme.
std::pair<std::string, std::string> OriginAndHost(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  std::string_view authority = url.substr(scheme_end + 3, authority_end == std::string_view::npos
                                                              ? std::string_view::npos
                                                              : authority_end - scheme_end - 3);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  // An origin has no user information: scheme://host[:port].
  return {std::string(url.substr(0, scheme_end + 3)) + std::string(authority), std::string(host)};
}

}  // namespace

RelyingParty RelyingPartyOf(const config::Settings& settings) {
  RelyingParty rp;
  auto [origin, host] = OriginAndHost(settings.site_url);
  rp.rp_id = settings.webauthn_rp_id.empty() ? host : settings.webauthn_rp_id;
  rp.origins = settings.webauthn_origins;
  if (rp.origins.empty() && !origin.empty()) rp.origins.push_back(origin);
  rp.user_verification_required = settings.webauthn_user_verification == "required";
  return rp;
}

std::string UserHandleOf(int64_t user_id) { return crypto::Base64UrlEncode(std::to_string(user_id)); }

PasskeyService::PasskeyService(const config::Settings& settings, store::Database& store, guard::Guard* guard,
                               Clock clock)
    : settings_(settings), store_(store), guard_(guard), clock_(std::move(clock)), rp_(RelyingPartyOf(settings)) {}

int64_t PasskeyService::Now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void PasskeyService::PurgeNowAndThen(int64_t now) {
  int64_t last = last_purge_.load();
  if (now - last < kPurgeEverySeconds && now >= last) return;
  if (!last_purge_.compare_exchange_strong(last, now)) return;  // another thread took this round
  try {
    // A bounded round; a backlog goes on at the next challenge a second later.
    if (!store_.Passkeys().PurgeExpiredChallenges(now, kPurgeRowsPerRound))
      last_purge_.store(now - kPurgeEverySeconds + 1);
  } catch (const std::exception&) {
    // Housekeeping must not fail a ceremony: an expired row is refused when taken anyway.
  }
}

IssuedChallenge PasskeyService::Begin(std::string_view ceremony, int64_t user_id) {
  const int64_t now = Now();
  PurgeNowAndThen(now);
  store::WebAuthnChallenge row;
  row.id = crypto::RandomHex(16);
  row.ceremony = std::string(ceremony);
  row.user_id = user_id;
  row.challenge = crypto::Base64UrlEncode(crypto::RandomBytes(32));
  row.expires_at = now + settings_.webauthn_challenge_timeout;
  store_.Passkeys().SaveChallenge(row);
  return {row.id, row.challenge};
}

IssuedChallenge PasskeyService::BeginRegistration(int64_t user_id) { return Begin(kRegistration, user_id); }

IssuedChallenge PasskeyService::BeginAuthentication() { return Begin(kAuthentication, 0); }

store::WebAuthnChallenge PasskeyService::TakeChallenge(std::string_view id, std::string_view ceremony,
                                                       int64_t user_id) {
  auto taken = store_.Passkeys().TakeChallenge(id);
  if (!taken) throw Refused(ceremony, "challenge_unknown");
  if (taken->ceremony != ceremony) throw Refused(ceremony, "challenge_ceremony");
  if (taken->user_id != user_id) throw Refused(ceremony, "challenge_user");
  if (taken->expires_at <= Now()) throw Refused(ceremony, "challenge_expired");
  return *taken;
}

std::string PasskeyService::CheckIdentity(const CredentialJson& credential) {
  std::string raw = DecodeBase64Url(credential.raw_id, "rawId");
  if (raw.empty() || raw.size() > kMaxCredentialIdLength) throw ParseError("rawId: bad length");
  return raw;
}

store::Passkey PasskeyService::FinishRegistration(int64_t user_id, std::string_view challenge_id,
                                                  const CredentialJson& credential, const std::string& name) {
  std::string raw_id, client_data, attestation;
  try {
    raw_id = CheckIdentity(credential);
    client_data = DecodeBase64Url(credential.client_data_json, "clientDataJSON");
    attestation = DecodeBase64Url(credential.attestation_object, "attestationObject");
  } catch (const ParseError& e) {
    throw Malformed(kRegistration, e);
  }
  const store::WebAuthnChallenge challenge = TakeChallenge(challenge_id, kRegistration, user_id);
  if (credential.type != "public-key") throw Refused(kRegistration, "type", raw_id);
  if (crypto::Base64UrlEncode(raw_id) != credential.id) throw Refused(kRegistration, "id", raw_id);
  if (credential.has_client_extension_results) throw Refused(kRegistration, "client_extensions", raw_id);
  RegisteredCredential verified;
  try {
    verified = VerifyRegistration(rp_, challenge.challenge, client_data, attestation);
  } catch (const ParseError& e) {
    throw Malformed(kRegistration, e);
  } catch (const CeremonyFailure& e) {
    throw Refused(kRegistration, e.what(), raw_id);
  }
  if (verified.credential_id != raw_id) throw Refused(kRegistration, "raw_id", raw_id);
  store::Passkey row;
  row.user_id = user_id;
  row.credential_id = crypto::Base64UrlEncode(verified.credential_id);
  row.public_key = crypto::Base64UrlEncode(verified.public_key);
  row.algorithm = verified.algorithm;
  row.sign_count = verified.sign_count;
  row.user_verified = verified.user_verified;
  row.backup_eligible = verified.backup_eligible;
  row.backed_up = verified.backed_up;
  row.aaguid = crypto::HexEncode(verified.aaguid);
  for (const auto& t : credential.transports) row.transports += (row.transports.empty() ? "" : ",") + t;
  row.name = name;
  row.created_at = Now();
  auto id = store_.Passkeys().CreatePasskey(row);
  if (!id) throw Refused(kRegistration, "credential_id_taken", raw_id);
  row.id = *id;
  audit::Record(store_, row.created_at,
                {audit::event::kPasskeyCreated, user_id, {user_id, {}}, "passkey", audit::kSuccess, PasskeyDetail(row.id)});
  return row;
}

/// An assertion's byte fields, decoded (a malformed one is 400 on `credential`).
struct PasskeyService::DecodedAssertion {
  std::string raw_id, client_data, auth_data, signature, user_handle;
};

PasskeyService::DecodedAssertion PasskeyService::DecodeAssertion(const CredentialJson& credential) {
  DecodedAssertion out;
  try {
    out.raw_id = CheckIdentity(credential);
    out.client_data = DecodeBase64Url(credential.client_data_json, "clientDataJSON");
    out.auth_data = DecodeBase64Url(credential.authenticator_data, "authenticatorData");
    out.signature = DecodeBase64Url(credential.signature, "signature");
    if (credential.user_handle) out.user_handle = DecodeBase64Url(*credential.user_handle, "userHandle");
  } catch (const ParseError& e) {
    throw Malformed(kAuthentication, e);
  }
  return out;
}

bool PasskeyService::CheckStoredAssertion(const std::optional<store::Passkey>& passkey,
                                          const store::WebAuthnChallenge& challenge, const CredentialJson& credential,
                                          const DecodedAssertion& d) {
  const std::string& raw_id = d.raw_id;
  if (!passkey) throw Refused(kAuthentication, "credential_unknown", raw_id);
  if (credential.type != "public-key") throw Refused(kAuthentication, "type", raw_id);
  if (crypto::Base64UrlEncode(raw_id) != credential.id) throw Refused(kAuthentication, "id", raw_id);
  if (credential.has_client_extension_results) throw Refused(kAuthentication, "client_extensions", raw_id);
  // Discoverable credentials: the handle must name the credential's owner.
  if (!credential.user_handle || !crypto::ConstantTimeEquals(d.user_handle, std::to_string(passkey->user_id)))
    throw Refused(kAuthentication, "user_handle", raw_id);
  Assertion assertion;
  try {
    std::string public_key = DecodeBase64Url(passkey->public_key, "stored public key");
    assertion = VerifyAssertion(rp_, challenge.challenge, public_key, passkey->backup_eligible, d.client_data,
                                d.auth_data, d.signature);
  } catch (const ParseError& e) {
    throw Malformed(kAuthentication, e);
  } catch (const CeremonyFailure& e) {
    throw Refused(kAuthentication, e.what(), raw_id);
  }
  bool regressed = false;
  const int64_t now = Now();
  // Atomic with every other sign-in of this passkey: two replays cannot both pass the count.
  bool found = store_.Passkeys().UpdatePasskey(passkey->id, [&](store::Passkey& row) {
    if (SignCountRegressed(row.sign_count, assertion.sign_count)) {
      regressed = true;
      row.cloned = true;
      return true;
    }
    row.sign_count = assertion.sign_count;
    row.backed_up = assertion.backed_up;
    row.last_used_at = now;
    return true;
  });
  if (!found) throw Refused(kAuthentication, "credential_unknown", raw_id);
  if (regressed) {
    audit::Record(store_, now, {audit::event::kPasskeyCloned, passkey->user_id, {}, "passkey", audit::kSuccess,
                                PasskeyDetail(passkey->id)});
  }
  if (regressed) throw Refused(kAuthentication, "sign_count (passkey flagged as cloned)", raw_id);
  return assertion.user_verified;
}

SignedIn PasskeyService::FinishAuthentication(std::string_view challenge_id, const CredentialJson& credential,
                                              std::string_view client_ip) {
  const DecodedAssertion decoded = DecodeAssertion(credential);
  const store::WebAuthnChallenge challenge = TakeChallenge(challenge_id, kAuthentication, 0);
  auto passkey = store_.Passkeys().FindPasskeyByCredential(crypto::Base64UrlEncode(decoded.raw_id));
  std::optional<guard::LoginTicket> ticket;
  if (guard_ != nullptr) {
    ticket = guard_->AdmitLogin(passkey ? std::optional<std::string>(std::to_string(passkey->user_id)) : std::nullopt,
                                client_ip);
  }
  // A refusal is audited as a password login's is (the success is, with its session, by the
  // token service): the user when the credential is known, the check in the detail.
  auto refused = [&](const char* outcome, const std::string& check) {
    audit::Record(store_, Now(), {audit::event::kLogin, passkey ? std::optional<int64_t>(passkey->user_id) : std::nullopt,
                                  {std::nullopt, std::string(client_ip)}, "passkey", outcome, check});
  };
  if (guard_ != nullptr && !ticket) {
    refused(audit::kLocked, "");
    throw Refused(kAuthentication, "login_limit", decoded.raw_id);
  }
  auto finish = [&](guard::LoginOutcome outcome) {
    if (ticket) guard_->FinishLogin(*ticket, outcome);
  };
  try {
    const bool user_verified = CheckStoredAssertion(passkey, challenge, credential, decoded);
    auto user = store_.Users().FindUserById(passkey->user_id);
    if (!user || !user->is_active) throw Refused(kAuthentication, "inactive_user", decoded.raw_id);
    finish(guard::LoginOutcome::kSucceeded);
    return SignedIn{std::move(*user), user_verified};
  } catch (const Refusal& e) {
    finish(guard::LoginOutcome::kFailed);
    refused(audit::kFailure, e.check);
    throw;
  } catch (const ApiError& e) {
    finish(e.Status() == 401 ? guard::LoginOutcome::kFailed : guard::LoginOutcome::kNotCounted);
    throw;
  } catch (...) {
    finish(guard::LoginOutcome::kNotCounted);
    throw;
  }
}

void PasskeyService::VerifySecondFactor(const store::User& user, std::string_view challenge_id,
                                        const CredentialJson& credential) {
  const DecodedAssertion decoded = DecodeAssertion(credential);
  const store::WebAuthnChallenge challenge = TakeChallenge(challenge_id, kAuthentication, 0);
  auto passkey = store_.Passkeys().FindPasskeyByCredential(crypto::Base64UrlEncode(decoded.raw_id));
  // Another user's passkey proves nothing about this one (the caller's guard ticket counts it).
  if (passkey && passkey->user_id != user.id) throw Refused(kAuthentication, "credential_owner", decoded.raw_id);
  CheckStoredAssertion(passkey, challenge, credential, decoded);
}

std::vector<store::Passkey> PasskeyService::List(int64_t user_id) { return store_.Passkeys().ListPasskeys(user_id); }

void PasskeyService::Delete(const store::User& user, std::string_view id_text) {
  int64_t id = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || id <= 0) throw errors::NotFound();
  if (!store_.Passkeys().FindPasskey(user.id, id)) throw errors::NotFound();
  auto fresh = store_.Users().FindUserById(user.id);
  if (fresh ? fresh->two_fa_required : user.two_fa_required) {
    size_t factors = store_.Passkeys().ListPasskeys(user.id).size();
    for (const auto& d : store_.Devices().ListDevices(user.id)) factors += d.confirmed ? 1 : 0;
    if (factors <= 1) throw errors::Invalid("Cannot remove the last device");
  }
  if (!store_.Passkeys().DeletePasskey(user.id, id)) throw errors::NotFound();
  audit::Record(store_, Now(), {audit::event::kPasskeyDeleted, user.id, {user.id, {}}, "passkey", audit::kSuccess,
                                PasskeyDetail(id)});
}

}  // namespace dfauth::passkey
