#pragma once
// The storage interface the domain uses. It speaks the domain's words; no SQL dialect leaks
// above it. SQLite (store/sqlite) implements it now, PostgreSQL later. Every method is safe to
// call from any thread and blocks: call it from a worker pool, never from an I/O thread.
// Times are Unix seconds (UTC) unless a name says otherwise.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dfauth/error.hpp"

namespace dfauth::store {

struct User {
  int64_t id = 0;
  std::string username;
  std::optional<std::string> email;         ///< stored as given after domain normalisation
  std::optional<std::string> phone_number;  ///< E.164
  std::string first_name;
  std::string last_name;
  std::string password_hash;  ///< PHC/Django string; empty = no usable password
  bool is_active = true;
  bool is_staff = false;
  bool is_superuser = false;
  bool two_fa_required = false;
  int64_t date_joined = 0;
  std::optional<int64_t> last_login;
  std::string extra_json = "{}";  ///< USER_EXTRA_FIELDS values, a JSON object
  int64_t tokens_valid_after = 0;  ///< tokens with iat < this are refused (0: none refused)
  std::optional<int64_t> invited_by;
  bool is_registering = false;
};

/// A unique identity (username, email case-insensitively, phone_number) is already taken.
class DuplicateError : public std::runtime_error {
 public:
  explicit DuplicateError(std::string field)
      : std::runtime_error("duplicate " + field), field_(std::move(field)) {}
  const std::string& Field() const noexcept { return field_; }

 private:
  std::string field_;
};

/// The database cannot be reached or answered an error: the client gets 503
/// service_unavailable; `Detail()` is for the log only.
class StoreUnavailable : public ApiError {
 public:
  explicit StoreUnavailable(std::string detail)
      : ApiError(503, "service_unavailable", "Service temporarily unavailable, try again later."),
        detail_(std::move(detail)) {}
  const std::string& Detail() const noexcept { return detail_; }

 private:
  std::string detail_;
};

struct RefreshTokenRecord {
  std::string jti;
  std::string family;      ///< one per login; every rotation of it keeps it
  int64_t user_id = 0;
  std::string access_jti;  ///< the access token issued beside it (revoked with the family)
  int64_t issued_at = 0;
  int64_t expires_at = 0;
};

enum class SpendResult {
  kSpent,         ///< this call spent it: the caller may issue the next pair
  kAlreadySpent,  ///< reuse of a spent token: the family has now been revoked
  kRevoked,       ///< the family was revoked before
  kUnknown,       ///< never issued here
};

struct SigningKey {
  std::string kid;
  std::string alg;          ///< RS256, ES256, EdDSA
  std::string private_pem;  ///< never logged
  int64_t created_at = 0;
  std::optional<int64_t> retired_at;  ///< not used to sign after this; verifies until tokens expire
};

class Store {
 public:
  virtual ~Store() = default;

  /// Applies pending numbered migrations; returns how many were applied. Idempotent.
  virtual int Migrate() = 0;
  /// N when migrations 1..N are all applied (0 for an empty database); a gap stops the count.
  virtual int SchemaVersion() = 0;
  /// The number of migrations this build knows.
  virtual int LatestSchemaVersion() const = 0;
  /// True when the database answers a trivial query.
  virtual bool Ping() = 0;

  // --- users ---------------------------------------------------------------------------
  /// Inserts the user with `user.id`, or with the next id when it is 0 (import-django keeps
  /// the ids of the database it imports); throws DuplicateError naming the field.
  virtual int64_t CreateUser(const User& user) = 0;
  /// Replaces every column of the user with this id; throws DuplicateError.
  virtual void UpdateUser(const User& user) = 0;
  virtual std::optional<User> FindUserById(int64_t id) = 0;
  virtual std::optional<User> FindUserByUsername(std::string_view username) = 0;
  /// Case-insensitive on the whole address.
  virtual std::optional<User> FindUserByEmail(std::string_view email) = 0;
  virtual std::optional<User> FindUserByPhone(std::string_view e164) = 0;
  /// Users ordered by id, for the CLI.
  virtual std::vector<User> ListUsers(int64_t offset, int64_t limit) = 0;
  virtual int64_t CountUsers() = 0;
  /// Deletes the user and everything that belongs to it; false when there was none.
  virtual bool DeleteUser(int64_t id) = 0;
  /// Stores a new password hash only if the stored one still equals `expected_hash`
  /// (so a concurrent change is not overwritten by an upgrade); true when written.
  virtual bool ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                                   std::string_view new_hash) = 0;
  /// Raises the user's tokens_valid_after to at least `valid_after` (never lowers it).
  virtual void RevokeUserTokens(int64_t user_id, int64_t valid_after) = 0;

  // --- tokens --------------------------------------------------------------------------
  /// The user a token names and whether the token's jti is revoked, in one round trip (the
  /// check every authenticated request makes). nullopt when the user does not exist.
  struct TokenSubject {
    User user;
    bool jti_revoked = false;
  };
  virtual std::optional<TokenSubject> FindTokenSubject(int64_t user_id, std::string_view jti) = 0;
  /// The same check without reading the user's row (token/verify/ and the sliding refresh need
  /// no more): the user's tokens_valid_after and is_active, and whether the jti is revoked;
  /// nullopt when the user does not exist.
  struct TokenState {
    int64_t tokens_valid_after = 0;
    bool jti_revoked = false;
    bool is_active = false;
  };
  virtual std::optional<TokenState> FindTokenState(int64_t user_id, std::string_view jti) = 0;
  /// Records a revoked jti until `expires_at` (after which the token is expired anyway).
  virtual void RevokeJti(std::string_view jti, int64_t expires_at) = 0;
  virtual bool IsJtiRevoked(std::string_view jti) = 0;
  /// Saves the first refresh token of a new family (a login).
  virtual void SaveRefreshToken(const RefreshTokenRecord& record) = 0;
  /// Spends refresh token `jti` of family `next.family` and saves `next` in the same
  /// transaction: both land or neither. Exactly one of any number of concurrent calls for one
  /// jti gets kSpent; the others save nothing. Reuse of a spent token revokes its whole family
  /// (every refresh and access jti of it) and answers kAlreadySpent.
  virtual SpendResult RotateRefreshToken(std::string_view jti, const RefreshTokenRecord& next,
                                         int64_t now) = 0;
  /// Revokes a family (blacklisting a refresh token); an unknown family is ignored.
  virtual void RevokeFamily(std::string_view family, int64_t now) = 0;
  /// Deletes revoked-jti and refresh rows that expired before `now`, in short transactions, and
  /// stops once about `row_limit` rows went: true when nothing expired is left.
  virtual bool PurgeExpiredTokens(int64_t now, int64_t row_limit) = 0;

  // --- server state --------------------------------------------------------------------
  virtual std::optional<std::string> GetSetting(std::string_view key) = 0;
  /// Stores the value unless the key exists; returns the value now stored (race-safe).
  virtual std::string PutSettingIfAbsent(std::string_view key, std::string_view value) = 0;

  virtual void AddSigningKey(const SigningKey& key) = 0;
  /// All keys, newest first.
  virtual std::vector<SigningKey> ListSigningKeys() = 0;
  /// Retires every key of `alg` except `keep_kid` at `at`.
  virtual void RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) = 0;
};

/// Opens the store a DATABASE_URL names (`sqlite://PATH`, `sqlite://:memory:`).
/// `pool_size` bounds the reader connections. Throws std::invalid_argument for an
/// unsupported URL and StoreUnavailable when the database cannot be opened.
std::unique_ptr<Store> OpenStore(const std::string& database_url, int pool_size);

}  // namespace dfauth::store
