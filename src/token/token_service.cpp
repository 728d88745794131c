#include "token/token_service.hpp"

#include "audit/audit.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>
#include <tuple>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "crypto/primitives.hpp"
#include "text/json_string.hpp"
#include "dfauth/error.hpp"
#include "token/claims.hpp"
#include "token/keys.hpp"

namespace dfauth::token {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kSliding = "sliding";
constexpr std::string_view kAccess = "access";
constexpr std::string_view kRefresh = "refresh";
constexpr char kBlacklisted[] = "Token is blacklisted";
// A token with an unknown kid may be signed by a key another replica has just added; look the
// keys up again, but not more often than this, so that garbage kids cannot load the database.
constexpr int64_t kKeyReloadInterval = 30;
// Refresh-token jtis are <family id><token id>, 16 hex each: the store needs the family of the
// spent token to file the next one in it, and this keeps it recoverable from the token alone.
constexpr std::size_t kFamilyIdHex = 16;

// A token's claims written in order as one compact JSON object (strings escaped by the one JSON
// string writer), without building a JSON tree first: that cost ~13k instructions per token.
class ClaimsWriter {
 public:
  ClaimsWriter& Add(std::string_view name, std::string_view value) {
    Name(name);
    text::AppendJsonString(out_, value);
    return *this;
  }
  ClaimsWriter& Add(std::string_view name, int64_t value) {
    Name(name);
    char digits[24];
    auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out_.append(digits, end);
    return *this;
  }
  /// sid, when the token belongs to a session.
  ClaimsWriter& AddSession(const std::string& sid) {
    if (!sid.empty()) Add("sid", sid);
    return *this;
  }
  /// iss and aud, when configured.
  ClaimsWriter& AddScope(const std::string& issuer, const std::string& audience) {
    if (!issuer.empty()) Add("iss", issuer);
    if (!audience.empty()) Add("aud", audience);
    return *this;
  }
  std::string Done() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Name(std::string_view name) {
    out_ += out_.empty() ? '{' : ',';
    text::AppendJsonString(out_, name);
    out_ += ':';
  }
  std::string out_;
};

}  // namespace

struct TokenService::KeySet {
  uint64_t generation = 0;  ///< distinct for every set built; tags VerifiedTokenCache entries
  std::vector<Key> keys;  ///< keys[0] signs
  /// MakeHeader(keys[0]), built on first use: the same bytes for every token this set signs.
  const std::string& SigningHeader() const {
    std::call_once(header_once_, [this] { signing_header_ = MakeHeader(keys.front()); });
    return signing_header_;
  }
  const Key* Find(std::string_view kid, Algorithm alg) const {
    // HS256 has one key and no kid; a kid in the header changes nothing.
    if (alg == Algorithm::kHS256 || kid.empty()) return keys.empty() ? nullptr : &keys.front();
    for (const Key& k : keys) {
      if (k.kid == kid) return &k;
    }
    return nullptr;
  }

 private:
  mutable std::once_flag header_once_;
  mutable std::string signing_header_;
};

struct TokenService::Claims : VerifiedClaims {
  std::optional<store::User> user;  ///< nullopt: the user was deleted
};

TokenService::TokenService(TokenOptions options, store::Database& store, Clock clock)
    : options_(std::move(options)),
      store_(store),
      clock_(clock ? std::move(clock) : Clock(UnixNow)),
      sessions_(options_, store, clock_) {
  if (options_.type_claim.empty())
    throw std::invalid_argument("TOKEN_TYPE_CLAIM must not be empty");
  if (options_.access_lifetime <= 0)
    throw std::invalid_argument("ACCESS_TOKEN_LIFETIME must be > 0");
  if (options_.refresh_lifetime <= 0) {
    throw std::invalid_argument("REFRESH_TOKEN_LIFETIME must be > 0");
  }
  if (options_.sliding_lifetime <= 0) {
    throw std::invalid_argument("SLIDING_TOKEN_LIFETIME must be > 0");
  }
  if (options_.sliding_refresh_lifetime <= 0) {
    throw std::invalid_argument("SLIDING_TOKEN_REFRESH_LIFETIME must be > 0");
  }
  if (options_.algorithm == Algorithm::kHS256) {
    if (options_.secret_key.empty()) throw std::invalid_argument("SECRET_KEY must not be empty");
    // HS256 needs no store: ready at once.
    auto set = std::make_shared<KeySet>();
    set->keys.push_back(Key{Algorithm::kHS256, "", options_.secret_key, nullptr});
    keys_ = std::move(set);
  }
}

TokenService::~TokenService() = default;

int64_t TokenService::Now() const { return clock_(); }

std::shared_ptr<const TokenService::KeySet> TokenService::Keys() const {
  std::lock_guard lock(keys_mutex_);
  if (!keys_) throw std::logic_error("TokenService::LoadKeys was not called");
  return keys_;
}

std::shared_ptr<const TokenService::KeySet> TokenService::BuildKeySet() {
  auto set = std::make_shared<KeySet>();
  set->generation = ++key_generations_;
  const Algorithm alg = options_.algorithm;
  if (alg == Algorithm::kHS256) {
    set->keys.push_back(Key{Algorithm::kHS256, "", options_.secret_key, nullptr});
    return set;
  }
  if (!options_.private_key_file.empty()) {
    try {
      set->keys.push_back(LoadPrivateKeyFile(options_.private_key_file, alg));
    } catch (const KeyError& e) {
      throw std::runtime_error(e.what());  // already names JWT_PRIVATE_KEY_FILE
    }
  }
  const std::string_view alg_name = AlgorithmName(alg);
  auto stored = store_.Keys().ListSigningKeys();
  bool has_active = std::any_of(stored.begin(), stored.end(), [&](const store::SigningKey& k) {
    return k.alg == alg_name && !k.retired_at;
  });
  if (set->keys.empty() && !has_active) {
    GenerateAndStoreKey(store_, alg, Now());
    stored = store_.Keys().ListSigningKeys();
  }
  // Newest unretired first (it signs unless a key file does), then every other key.
  std::stable_partition(stored.begin(), stored.end(),
                        [](const store::SigningKey& k) { return !k.retired_at; });
  for (const store::SigningKey& row : stored) {
    if (row.alg != alg_name) continue;
    if (std::any_of(set->keys.begin(), set->keys.end(),
                    [&](const Key& k) { return k.kid == row.kid; })) {
      continue;
    }
    Key key;
    try {
      key = LoadPrivateKeyPem(row.private_pem, alg);
    } catch (const KeyError& e) {
      throw std::runtime_error("signing key " + row.kid +
                               " in the database is unusable: " + e.what());
    }
    key.kid = row.kid;
    set->keys.push_back(std::move(key));
  }
  return set;
}

void TokenService::LoadKeys() {
  auto set = BuildKeySet();
  std::lock_guard lock(keys_mutex_);
  keys_ = std::move(set);
  last_reload_ = Now();
}

std::string TokenService::SignClaims(const std::string& payload_json) {
  auto keys = Keys();
  return Sign(keys->SigningHeader(), payload_json, keys->keys.front());
}

IssuedTokens TokenService::IssueSliding(int64_t user_id, int64_t tokens_valid_after,
                                        const std::string& jti,
                                        std::optional<int64_t> refresh_exp,
                                        const std::string& sid) {
  // A token issued in the second of a revocation must still pass it (see RevokeUserTokens).
  const int64_t iat = std::max(Now(), tokens_valid_after);
  return {SignClaims(ClaimsWriter()
                         .Add(options_.type_claim, kSliding)
                         .Add("exp", iat + options_.sliding_lifetime)
                         .Add("iat", iat)
                         .Add("jti", jti)
                         .Add("refresh_exp",
                              refresh_exp.value_or(iat + options_.sliding_refresh_lifetime))
                         .AddSession(sid)
                         .Add("user_id", user_id)
                         .AddScope(options_.issuer, options_.audience)
                         .Done()),
          std::nullopt};
}

std::pair<IssuedTokens, store::RefreshTokenRecord> TokenService::SignPair(
    int64_t user_id, int64_t tokens_valid_after, const std::string& family, const std::string& sid) {
  const int64_t iat = std::max(Now(), tokens_valid_after);
  const std::string access_jti = crypto::RandomHex(16);
  const std::string refresh_jti = family + crypto::RandomHex(kFamilyIdHex / 2);
  auto make = [&](std::string_view type, int64_t lifetime, const std::string& jti) {
    return SignClaims(ClaimsWriter()
                          .Add(options_.type_claim, type)
                          .Add("exp", iat + lifetime)
                          .Add("iat", iat)
                          .Add("jti", jti)
                          .AddSession(sid)
                          .Add("user_id", user_id)
                          .AddScope(options_.issuer, options_.audience)
                          .Done());
  };
  IssuedTokens issued{make(kAccess, options_.access_lifetime, access_jti),
                      make(kRefresh, options_.refresh_lifetime, refresh_jti)};
  store::RefreshTokenRecord record;
  record.jti = refresh_jti;
  record.family = family;
  record.user_id = user_id;
  record.access_jti = access_jti;
  record.issued_at = iat;
  record.expires_at = iat + options_.refresh_lifetime;
  return {std::move(issued), std::move(record)};
}

void TokenService::PurgeExpiredHourly() {
  constexpr int64_t kPurgeEverySeconds = 3600;
  constexpr int64_t kPurgeRowsPerRound = 400;
  const int64_t now = Now();
  int64_t last = last_purge_.load();
  if (now - last < kPurgeEverySeconds && now >= last) return;
  if (!last_purge_.compare_exchange_strong(last, now)) return;  // another thread took this round
  try {
    // A bounded share (a few milliseconds of the request that runs it); a backlog goes on a
    // second later, so no request waits for a long purge.
    const bool tokens_done = store_.Tokens().PurgeExpiredTokens(now, kPurgeRowsPerRound);
    const bool sessions_done = sessions_.PurgeExpired(now, kPurgeRowsPerRound);
    const bool audit_done = audit::PurgeExpired(store_, now, options_.audit_retention_days, kPurgeRowsPerRound);
    if (!tokens_done || !sessions_done || !audit_done) {
      last_purge_.store(now - kPurgeEverySeconds + 1);
    }
  } catch (const std::exception&) {
    // Housekeeping must not fail a login; expired rows change no answer, the next round tries.
  }
}

IssuedTokens TokenService::Issue(const store::User& user, const SessionStart& start) {
  PurgeExpiredHourly();
  const std::string sid = sessions_.Start(user.id, start).id;
  if (signed_in_) signed_in_(user, start);
  if (options_.profile == config::JwtProfile::kSliding) {
    return IssueSliding(user.id, user.tokens_valid_after, crypto::RandomHex(16), std::nullopt, sid);
  }
  auto [issued, record] = SignPair(user.id, user.tokens_valid_after, crypto::RandomHex(kFamilyIdHex / 2), sid);
  store_.Tokens().SaveRefreshToken(record);
  return std::move(issued);
}

TokenService::Claims TokenService::Decode(std::string_view token,
                                          std::initializer_list<std::string_view> types) {
  Claims claims;
  static_cast<VerifiedClaims&>(claims) = Check(token, types);
  // A deleted user's revoked jtis went with its rows: its tokens come back without a user, and
  // every caller refuses them.
  auto subject = store_.Tokens().FindTokenSubject(claims.user_id, claims.jti, claims.sid);
  if (subject) {
    JudgeSubject(claims, subject->jti_revoked, subject->user.tokens_valid_after);
    claims.user = std::move(subject->user);
  }
  return claims;
}

void TokenService::JudgeSubject(const VerifiedClaims& claims, bool jti_revoked,
                                int64_t tokens_valid_after) {
  if (jti_revoked) throw errors::TokenNotValid(kBlacklisted);
  // A token from before the user's last password change or deactivation.
  if (claims.iat < tokens_valid_after) throw errors::TokenNotValid();
}

VerifiedClaims TokenService::Check(std::string_view token,
                                   std::initializer_list<std::string_view> types) {
  const int64_t now = Now();
  VerifiedClaims claims;
  auto keys = Keys();
  if (std::optional<VerifiedClaims> seen = verified_.Find(token, keys->generation)) {
    // Checked before under these keys: only what time and the route change is judged again,
    // in the order the full path below judges it.
    static_cast<VerifiedClaims&>(claims) = std::move(*seen);
    if (claims.exp <= now || (claims.nbf && *claims.nbf > now)) throw errors::TokenNotValid();
    if (std::find(types.begin(), types.end(), claims.type) == types.end()) {
      throw errors::TokenNotValid(kWrongType);
    }
  } else {
    keys = CheckToken(token, types, now, claims);
    verified_.Put(token, keys->generation, claims);
  }
  return claims;
}

std::shared_ptr<const TokenService::KeySet> TokenService::ReloadKeysIfDue(int64_t now) {
  {
    std::lock_guard lock(keys_mutex_);
    if (now - last_reload_ < kKeyReloadInterval) return nullptr;
    last_reload_ = now;
  }
  auto fresh = BuildKeySet();
  std::lock_guard lock(keys_mutex_);
  keys_ = fresh;
  return fresh;
}

std::shared_ptr<const TokenService::KeySet> TokenService::CheckToken(
    std::string_view token, std::initializer_list<std::string_view> types, int64_t now,
    VerifiedClaims& claims) {
  const Algorithm alg = options_.algorithm;
  auto keys = Keys();
  auto verify = [&] { return token::Verify(token, alg, [&](std::string_view kid) { return keys->Find(kid, alg); }); };
  auto verified = verify();
  if (!verified && alg != Algorithm::kHS256) {
    // Perhaps signed with a key added after our last load (another replica rotated).
    if (auto fresh = ReloadKeysIfDue(now)) {
      keys = std::move(fresh);
      verified = verify();
    }
  }
  if (!verified) throw errors::TokenNotValid();

  claims = ReadClaims(verified->payload_json, {options_.issuer, options_.audience, options_.type_claim}, types, now);
  return keys;
}

IssuedTokens TokenService::Refresh(std::string_view presented) {
  PurgeExpiredHourly();
  if (options_.profile == config::JwtProfile::kSliding) {
    // The next token needs the user's id and revocation time only, not the whole row.
    store::TokenStore::TokenState state;
    const VerifiedClaims claims = CheckWithState(presented, {kSliding}, state);
    if (!state.is_active) throw errors::TokenNotValid();
    if (!claims.refresh_exp || *claims.refresh_exp <= Now()) throw errors::TokenNotValid();
    sessions_.Used(claims.sid);
    return IssueSliding(claims.user_id, state.tokens_valid_after, claims.jti, claims.refresh_exp,
                        claims.sid);
  }
  // One round trip: the store checks the subject (as Decode would) inside the rotation. The
  // next pair is signed first so that spending the old token and saving the new one are one
  // transaction.
  const VerifiedClaims claims = Check(presented, {kRefresh});
  if (claims.jti.size() != 2 * kFamilyIdHex) throw errors::TokenNotValid();
  const std::string family = claims.jti.substr(0, kFamilyIdHex);
  auto [issued, next] = SignPair(claims.user_id, 0, family, claims.sid);
  store::SpendResult result =
      store_.Tokens().RotateRefreshToken({claims.jti, claims.iat, claims.sid}, next, Now());
  if (result == store::SpendResult::kRefused || result == store::SpendResult::kUnknown) {
    // Decode judges the subject and throws the error it deserves; when it finds nothing wrong
    // (the user changed meanwhile, or its revocation time is ahead of our clock), the pair is
    // signed again from the user's row.
    Claims subject = Decode(presented, {kRefresh});
    if (!subject.user || !subject.user->is_active || result == store::SpendResult::kUnknown) {
      throw errors::TokenNotValid();
    }
    std::tie(issued, next) = SignPair(subject.user->id, subject.user->tokens_valid_after, family, claims.sid);
    result = store_.Tokens().RotateRefreshToken({claims.jti, claims.iat, claims.sid}, next, Now());
  }
  switch (result) {
    case store::SpendResult::kSpent:
      sessions_.Used(claims.sid);
      return std::move(issued);
    case store::SpendResult::kAlreadySpent:
    case store::SpendResult::kRevoked:
      throw errors::TokenNotValid(kBlacklisted);
    case store::SpendResult::kUnknown:
    case store::SpendResult::kRefused:
      break;
  }
  throw errors::TokenNotValid();
}

AuthenticatedToken TokenService::Authenticate(std::string_view bearer_token) {
  const bool sliding = options_.profile == config::JwtProfile::kSliding;
  Claims claims = Decode(bearer_token, {sliding ? kSliding : kAccess});
  if (!claims.user) throw errors::AuthenticationFailed("User not found");
  if (!claims.user->is_active) throw errors::AuthenticationFailed("User is inactive");
  sessions_.Used(claims.sid);
  return {std::move(*claims.user), std::move(claims.jti), std::move(claims.type), claims.exp,
          std::move(claims.sid)};
}

VerifiedClaims TokenService::CheckWithState(std::string_view token,
                                            std::initializer_list<std::string_view> types,
                                            store::TokenStore::TokenState& state) {
  VerifiedClaims claims = Check(token, types);
  auto found = store_.Tokens().FindTokenState(claims.user_id, claims.jti, claims.sid);
  if (!found) throw errors::TokenNotValid();
  JudgeSubject(claims, found->jti_revoked, found->tokens_valid_after);
  state = *found;
  return claims;
}

void TokenService::Verify(std::string_view token) {
  // Decode's checks, without reading the user's row: verify answers only whether the token holds.
  store::TokenStore::TokenState state;
  CheckWithState(token, {kSliding, kAccess, kRefresh}, state);
}

void TokenService::Blacklist(std::string_view token) {
  Claims claims = Decode(token, {kSliding, kAccess, kRefresh});
  if (!claims.user) throw errors::TokenNotValid();
  int64_t until = claims.exp;
  if (claims.type == kSliding && claims.refresh_exp) {
    // Refreshed copies share the jti and live up to refresh_exp + lifetime: cover them all.
    until = std::max(until, *claims.refresh_exp + options_.sliding_lifetime);
  }
  if (claims.type == kRefresh && claims.jti.size() == 2 * kFamilyIdHex) {
    store_.Tokens().RevokeFamily(claims.jti.substr(0, kFamilyIdHex), Now());
  }
  store_.Tokens().RevokeJti(claims.jti, until);
}

std::string TokenService::JwksJson() const {
  OrderedJson keys = OrderedJson::array();
  if (options_.algorithm != Algorithm::kHS256) {
    for (const Key& key : Keys()->keys) {
      OrderedJson jwk = OrderedJson::parse(PublicJwk(key));
      jwk["use"] = "sig";
      jwk["alg"] = AlgorithmName(key.alg);
      jwk["kid"] = key.kid;
      keys.push_back(std::move(jwk));
    }
  }
  OrderedJson doc;
  doc["keys"] = std::move(keys);
  return doc.dump();
}

}  // namespace dfauth::token
