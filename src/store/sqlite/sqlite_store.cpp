#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "store/migrations/sqlite_migrations.hpp"
#include "store/sqlite/connection.hpp"

namespace dfauth::store::sqlite {

namespace {

// A caller waiting longer than this for a connection gets StoreUnavailable (503) rather than
// an unbounded queue.
constexpr auto kLeaseTimeout = std::chrono::seconds(10);

#define DFAUTH_USER_COLUMNS                                                                    \
  "id, username, email, phone_number, first_name, last_name, password, is_active, is_staff, " \
  "is_superuser, two_fa_required, date_joined, last_login, extra, tokens_valid_after, "       \
  "invited_by, is_registering"

constexpr const char* kSelectUserById = "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE id = ?";
// The user and whether the jti is revoked, in one statement (column 17 is the flag).
constexpr const char* kSelectTokenSubject =
    "SELECT " DFAUTH_USER_COLUMNS ", EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?2) "
    "FROM users WHERE id = ?1";
constexpr const char* kSelectTokenState =
    "SELECT tokens_valid_after, EXISTS(SELECT 1 FROM revoked_tokens WHERE jti = ?2), is_active "
    "FROM users WHERE id = ?1";
constexpr const char* kSelectUserByUsername =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE username = ?";
constexpr const char* kSelectUserByEmail =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE email_ci = ?";
constexpr const char* kSelectUserByPhone =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users WHERE phone_number = ?";
constexpr const char* kListUsers =
    "SELECT " DFAUTH_USER_COLUMNS " FROM users ORDER BY id LIMIT ? OFFSET ?";
#undef DFAUTH_USER_COLUMNS

User ReadUser(const Statement& row) {
  User user;
  user.id = row.Int64(0);
  user.username = row.Text(1);
  user.email = row.OptionalText(2);
  user.phone_number = row.OptionalText(3);
  user.first_name = row.Text(4);
  user.last_name = row.Text(5);
  user.password_hash = row.Text(6);
  user.is_active = row.Bool(7);
  user.is_staff = row.Bool(8);
  user.is_superuser = row.Bool(9);
  user.two_fa_required = row.Bool(10);
  user.date_joined = row.Int64(11);
  user.last_login = row.OptionalInt64(12);
  user.extra_json = row.Text(13);
  user.tokens_valid_after = row.Int64(14);
  user.invited_by = row.OptionalInt64(15);
  user.is_registering = row.Bool(16);
  return user;
}

// The key that makes email uniqueness and lookup case-insensitive. ASCII folding, as SQLite's
// lower(): the domain part is case-insensitive by DNS, and the local part in practice. An empty
// address is no identity, so it never collides with another empty one.
std::optional<std::string> EmailKey(std::string_view email) {
  if (email.empty()) return std::nullopt;
  std::string key(email);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : char(c); });
  return key;
}

std::optional<std::string> EmailKeyOf(const std::optional<std::string>& email) {
  return email ? EmailKey(std::string_view(*email)) : std::nullopt;
}

// Binds the 17 columns after id, in the order of the INSERT/UPDATE statements below.
void BindUserColumns(Statement& st, const User& u) {
  st.Bind(1, u.username)
      .Bind(2, u.email)
      .Bind(3, EmailKeyOf(u.email))
      .Bind(4, u.phone_number)
      .Bind(5, u.first_name)
      .Bind(6, u.last_name)
      .Bind(7, u.password_hash)
      .Bind(8, u.is_active)
      .Bind(9, u.is_staff)
      .Bind(10, u.is_superuser)
      .Bind(11, u.two_fa_required)
      .Bind(12, u.date_joined)
      .Bind(13, u.last_login)
      .Bind(14, u.extra_json)
      .Bind(15, u.tokens_valid_after)
      .Bind(16, u.invited_by)
      .Bind(17, u.is_registering);
}

// Marks the family revoked and blacklists every refresh and access jti issued in it until the
// refresh token's expiry (an access token never outlives the refresh token issued beside it).
void MarkFamilyRevoked(Connection& c, std::string_view family, int64_t now) {
  c.Prepare("UPDATE token_families SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL")
      .Bind(1, now)
      .Bind(2, family)
      .Run();
  c.Prepare(
       "INSERT INTO revoked_tokens(jti, expires_at) "
       "SELECT jti, expires_at FROM refresh_tokens WHERE family = ?1 "
       "UNION ALL SELECT access_jti, expires_at FROM refresh_tokens WHERE family = ?1 "
       "ON CONFLICT(jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
      .Bind(1, family)
      .Run();
}

}  // namespace

// A connection checked out of the pool for the lifetime of this object.
SqliteStore::Lease::Lease(SqliteStore& store) : store_(store) {
  std::unique_lock lock(store_.mutex_);
  if (!store_.available_.wait_for(lock, kLeaseTimeout, [&] { return !store_.idle_.empty(); })) {
    throw StoreUnavailable("no database connection became free");
  }
  connection_ = store_.idle_.back();
  store_.idle_.pop_back();
}

SqliteStore::Lease::~Lease() {
  {
    std::lock_guard lock(store_.mutex_);
    store_.idle_.push_back(connection_);
  }
  store_.available_.notify_one();
}

SqliteStore::WriteLease::WriteLease(SqliteStore& store) : store_(store), gate_(store.write_gate_) {
  if (!store_.writer_) lease_.emplace(store_);
}

SqliteStore::SqliteStore(const std::string& path, int pool_size) {
  // An in-memory database lives and dies with its one connection, so ":memory:" gets exactly
  // one (requests then take turns on it, which is fine for tests and single-process use).
  const bool in_memory = path == ":memory:";
  const int size = in_memory ? 1 : std::max(1, pool_size);
  for (int i = 0; i < size; ++i) {
    all_.push_back(std::make_unique<Connection>(path, /*uri=*/false, in_memory));
    // The pool reads; writing is the writer's job (WriteLease), and query_only makes a write
    // that strays onto a pooled connection fail loudly instead of contending for the lock.
    if (!in_memory) all_.back()->Exec("PRAGMA query_only=1");
    idle_.push_back(all_.back().get());
  }
  if (!in_memory) {
    writer_ = std::make_unique<Connection>(path, /*uri=*/false, false);
    // Checkpoints are the background thread's job, so a request rarely pays for copying the WAL
    // back into the database (it showed up as the p99 of writing routes such as otp/). The
    // writer's own checkpoint stays as a safety net at 10,000 pages (~40 MB): under a sustained
    // write load PASSIVE checkpoints alone let the WAL grow without bound (1 GB in 8 s measured).
    writer_->Exec("PRAGMA wal_autocheckpoint=10000");
    checkpointer_ = std::make_unique<Connection>(path, /*uri=*/false, false);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }
}

SqliteStore::~SqliteStore() {
  if (checkpoint_thread_.joinable()) {
    {
      std::lock_guard lock(checkpoint_mutex_);
      stopping_ = true;
    }
    checkpoint_wake_.notify_all();
    checkpoint_thread_.join();
  }
}

void SqliteStore::CheckpointLoop() {
  // Every 50 ms while the WAL grows, every 500 ms when idle. Against a fixed 250 ms, pair-profile
  // refreshes went from 9.6-9.8k to 9.9-10.9k req/s and their p99 from ~50 to ~33 ms (quick runs).
  using std::chrono::milliseconds;
  int64_t last_frames = -1;
  milliseconds pause(500);
  std::unique_lock lock(checkpoint_mutex_);
  while (!checkpoint_wake_.wait_for(lock, pause, [this] { return stopping_; })) {
    lock.unlock();
    try {
      // PASSIVE never blocks writers or readers; what it cannot copy now it copies next time.
      auto st = checkpointer_->Prepare("PRAGMA wal_checkpoint(PASSIVE)");
      const int64_t frames = st.Step() ? st.Int64(1) : -1;  // (busy, frames in the WAL, copied)
      pause = frames != last_frames ? milliseconds(50) : milliseconds(500);
      last_frames = frames;
    } catch (const std::exception&) {
      // A busy database: the next round catches up.
    }
    lock.lock();
  }
}

// --- schema ----------------------------------------------------------------------------------

int SqliteStore::Migrate() {
  WriteLease c(*this);
  c->Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  int applied = 0;
  for (const auto& migration : migrations::SqliteMigrations()) {
    // BEGIN IMMEDIATE and then re-check: a second process migrating at the same moment waits
    // here for the first one's commit and then finds the version applied.
    Transaction tx(*c, TransactionMode::kImmediate);
    {
      auto st = c->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
      if (st.Bind(1, int64_t{migration.version}).Step()) continue;
    }
    c->Exec(migration.sql);
    c->Prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES(?, ?, ?)")
        .Bind(1, int64_t{migration.version})
        .Bind(2, migration.name)
        .Bind(3, static_cast<int64_t>(std::time(nullptr)))
        .Run();
    tx.Commit();
    ++applied;
  }
  return applied;
}

int SqliteStore::SchemaVersion() {
  Lease c(*this);
  {
    auto st = c->Prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    st.Step();
    if (st.Int64(0) == 0) return 0;
  }
  // Counted from 1 without a gap: a database missing a lower migration is not up to date,
  // whatever higher numbers it has.
  auto st = c->Prepare("SELECT version FROM schema_migrations ORDER BY version");
  int contiguous = 0;
  while (st.Step() && st.Int64(0) <= contiguous + 1) {
    if (st.Int64(0) == contiguous + 1) ++contiguous;
  }
  return contiguous;
}

int SqliteStore::LatestSchemaVersion() const {
  // The highest number, not the last entry: features append their migrations in any order.
  int latest = 0;
  for (const auto& migration : migrations::SqliteMigrations()) latest = std::max(latest, migration.version);
  return latest;
}

bool SqliteStore::Ping() {
  try {
    Lease c(*this);
    auto st = c->Prepare("SELECT 1");
    return st.Step() && st.Int64(0) == 1;
  } catch (const std::exception&) {
    return false;
  }
}

// --- users -----------------------------------------------------------------------------------

int64_t SqliteStore::CreateUser(const User& user) {
  WriteLease c(*this);
  auto st = c->Prepare(
      "INSERT INTO users(username, email, email_ci, phone_number, first_name, last_name, "
      "password, is_active, is_staff, is_superuser, two_fa_required, date_joined, last_login, "
      "extra, tokens_valid_after, invited_by, is_registering, id) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
  BindUserColumns(st, user);
  if (user.id > 0) st.Bind(18, user.id);
  else st.BindNull(18);  // SQLite assigns the next id
  st.Run();
  return c->LastInsertRowid();
}

void SqliteStore::UpdateUser(const User& user) {
  WriteLease c(*this);
  auto st = c->Prepare(
      "UPDATE users SET username = ?1, email = ?2, email_ci = ?3, phone_number = ?4, "
      "first_name = ?5, last_name = ?6, password = ?7, is_active = ?8, is_staff = ?9, "
      "is_superuser = ?10, two_fa_required = ?11, date_joined = ?12, last_login = ?13, "
      "extra = ?14, tokens_valid_after = ?15, invited_by = ?16, is_registering = ?17 "
      "WHERE id = ?18");
  BindUserColumns(st, user);
  st.Bind(18, user.id).Run();
}

std::optional<User> SqliteStore::FindUserWhere(const char* sql, std::string_view value) {
  Lease c(*this);
  auto st = c->Prepare(sql);
  if (!st.Bind(1, value).Step()) return std::nullopt;
  return ReadUser(st);
}

std::optional<User> SqliteStore::FindUserById(int64_t id) {
  Lease c(*this);
  auto st = c->Prepare(kSelectUserById);
  if (!st.Bind(1, id).Step()) return std::nullopt;
  return ReadUser(st);
}

std::optional<Store::TokenSubject> SqliteStore::FindTokenSubject(int64_t user_id, std::string_view jti) {
  Lease c(*this);
  auto st = c->Prepare(kSelectTokenSubject);
  if (!st.Bind(1, user_id).Bind(2, jti).Step()) return std::nullopt;
  TokenSubject subject{ReadUser(st), st.Int64(17) != 0};
  return subject;
}

std::optional<Store::TokenState> SqliteStore::FindTokenState(int64_t user_id, std::string_view jti) {
  Lease c(*this);
  auto st = c->Prepare(kSelectTokenState);
  if (!st.Bind(1, user_id).Bind(2, jti).Step()) return std::nullopt;
  return TokenState{st.Int64(0), st.Int64(1) != 0, st.Bool(2)};
}

std::optional<User> SqliteStore::FindUserByUsername(std::string_view username) {
  return FindUserWhere(kSelectUserByUsername, username);
}

std::optional<User> SqliteStore::FindUserByEmail(std::string_view email) {
  auto key = EmailKey(email);
  if (!key) return std::nullopt;
  return FindUserWhere(kSelectUserByEmail, *key);
}

std::optional<User> SqliteStore::FindUserByPhone(std::string_view e164) {
  return FindUserWhere(kSelectUserByPhone, e164);
}

std::vector<User> SqliteStore::ListUsers(int64_t offset, int64_t limit) {
  Lease c(*this);
  auto st = c->Prepare(kListUsers);
  st.Bind(1, limit).Bind(2, std::max<int64_t>(0, offset));
  std::vector<User> users;
  while (st.Step()) users.push_back(ReadUser(st));
  return users;
}

int64_t SqliteStore::CountUsers() {
  Lease c(*this);
  auto st = c->Prepare("SELECT count(*) FROM users");
  st.Step();
  return st.Int64(0);
}

bool SqliteStore::DeleteUser(int64_t id) {
  WriteLease c(*this);
  // Refresh tokens and families go by ON DELETE CASCADE, invitees keep their row.
  c->Prepare("DELETE FROM users WHERE id = ?").Bind(1, id).Run();
  return c->Changes() == 1;
}

bool SqliteStore::ReplacePasswordHash(int64_t id, std::string_view expected_hash,
                                      std::string_view new_hash) {
  WriteLease c(*this);
  c->Prepare("UPDATE users SET password = ?1 WHERE id = ?2 AND password = ?3")
      .Bind(1, new_hash)
      .Bind(2, id)
      .Bind(3, expected_hash)
      .Run();
  return c->Changes() == 1;
}

void SqliteStore::RevokeUserTokens(int64_t user_id, int64_t valid_after) {
  WriteLease c(*this);
  c->Prepare("UPDATE users SET tokens_valid_after = max(tokens_valid_after, ?1) WHERE id = ?2")
      .Bind(1, valid_after)
      .Bind(2, user_id)
      .Run();
}

// --- tokens ----------------------------------------------------------------------------------

void SqliteStore::RevokeJti(std::string_view jti, int64_t expires_at) {
  WriteLease c(*this);
  c->Prepare(
       "INSERT INTO revoked_tokens(jti, expires_at) VALUES(?1, ?2) "
       "ON CONFLICT(jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
      .Bind(1, jti)
      .Bind(2, expires_at)
      .Run();
}

bool SqliteStore::IsJtiRevoked(std::string_view jti) {
  Lease c(*this);
  return c->Prepare("SELECT 1 FROM revoked_tokens WHERE jti = ?").Bind(1, jti).Step();
}

namespace {

void InsertRefreshToken(Connection& c, const RefreshTokenRecord& r) {
  c.Prepare(
       "INSERT INTO refresh_tokens(family, jti, user_id, access_jti, issued_at, expires_at) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
      .Bind(1, r.family)
      .Bind(2, r.jti)
      .Bind(3, r.user_id)
      .Bind(4, r.access_jti)
      .Bind(5, r.issued_at)
      .Bind(6, r.expires_at)
      .Run();
}

}  // namespace

void SqliteStore::SaveRefreshToken(const RefreshTokenRecord& r) {
  WriteLease c(*this);
  Transaction tx(*c, TransactionMode::kImmediate);
  c->Prepare("INSERT OR IGNORE INTO token_families(family, user_id) VALUES(?1, ?2)")
      .Bind(1, r.family)
      .Bind(2, r.user_id)
      .Run();
  InsertRefreshToken(*c, r);
  tx.Commit();
}

SpendResult SqliteStore::RotateRefreshToken(std::string_view jti, const RefreshTokenRecord& next,
                                            int64_t now) {
  WriteLease c(*this);
  // IMMEDIATE: concurrent spends of one jti serialise on the write lock, so the read below
  // and the writes after it see one consistent state. The family's tokens share a primary-key
  // range (family, jti), so the spent row and the new one usually sit on one page.
  Transaction tx(*c, TransactionMode::kImmediate);
  bool spent = false;
  bool revoked = false;
  {
    auto st = c->Prepare(
        "SELECT r.spent_at IS NOT NULL, f.revoked_at IS NOT NULL "
        "FROM refresh_tokens r JOIN token_families f ON f.family = r.family "
        "WHERE r.family = ?1 AND r.jti = ?2");
    if (!st.Bind(1, next.family).Bind(2, jti).Step()) return SpendResult::kUnknown;
    spent = st.Bool(0);
    revoked = st.Bool(1);
  }
  if (revoked) return SpendResult::kRevoked;
  if (spent) {
    MarkFamilyRevoked(*c, next.family, now);
    tx.Commit();
    return SpendResult::kAlreadySpent;
  }
  c->Prepare("UPDATE refresh_tokens SET spent_at = ?1 WHERE family = ?2 AND jti = ?3 "
             "AND spent_at IS NULL")
      .Bind(1, now)
      .Bind(2, next.family)
      .Bind(3, jti)
      .Run();
  if (c->Changes() != 1) {
    // Unreachable while the write lock is held; kept so a change of locking cannot turn a
    // lost race into a second kSpent.
    return SpendResult::kAlreadySpent;
  }
  InsertRefreshToken(*c, next);
  tx.Commit();
  return SpendResult::kSpent;
}

void SqliteStore::RevokeFamily(std::string_view family, int64_t now) {
  WriteLease c(*this);
  Transaction tx(*c, TransactionMode::kImmediate);
  MarkFamilyRevoked(*c, family, now);
  tx.Commit();
}

bool SqliteStore::PurgeExpiredTokens(int64_t now, int64_t row_limit) {
  // Short transactions of at most kChunk rows per table, each found through an expires_at
  // index, so that the writer is held for milliseconds whatever the table sizes. (One pass over
  // every family held all writes — logins, OTP, refreshes — for 0.2 s per 300,000 families.)
  constexpr int64_t kChunk = 200;
  for (int64_t purged = 0;; ) {
    WriteLease c(*this);
    Transaction tx(*c, TransactionMode::kImmediate);
    c->Prepare(
         "DELETE FROM revoked_tokens WHERE jti IN "
         "(SELECT jti FROM revoked_tokens WHERE expires_at < ?1 LIMIT ?2)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    int64_t removed = c->Changes();
    // A family none of whose tokens is still valid can never be presented again: it goes, and
    // its tokens with it (ON DELETE CASCADE).
    c->Prepare(
         "DELETE FROM token_families WHERE family IN "
         "(SELECT family FROM refresh_tokens WHERE expires_at < ?1 LIMIT ?2) "
         "AND NOT EXISTS (SELECT 1 FROM refresh_tokens r "
         "WHERE r.family = token_families.family AND r.expires_at >= ?1)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    removed += c->Changes();
    // Expired (spent) tokens of families that live on.
    c->Prepare(
         "DELETE FROM refresh_tokens WHERE (family, jti) IN "
         "(SELECT family, jti FROM refresh_tokens WHERE expires_at < ?1 LIMIT ?2)")
        .Bind(1, now)
        .Bind(2, kChunk)
        .Run();
    removed += c->Changes();
    tx.Commit();
    if (removed == 0) return true;
    purged += removed;
    if (purged >= row_limit) return false;
  }
}

// --- server state ----------------------------------------------------------------------------

std::optional<std::string> SqliteStore::GetSetting(std::string_view key) {
  Lease c(*this);
  auto st = c->Prepare("SELECT value FROM server_settings WHERE key = ?");
  if (!st.Bind(1, key).Step()) return std::nullopt;
  return st.Text(0);
}

std::string SqliteStore::PutSettingIfAbsent(std::string_view key, std::string_view value) {
  WriteLease c(*this);
  Transaction tx(*c, TransactionMode::kImmediate);
  c->Prepare("INSERT OR IGNORE INTO server_settings(key, value) VALUES(?1, ?2)")
      .Bind(1, key)
      .Bind(2, value)
      .Run();
  std::string stored;
  {
    auto st = c->Prepare("SELECT value FROM server_settings WHERE key = ?");
    st.Bind(1, key).Step();
    stored = st.Text(0);
  }
  tx.Commit();
  return stored;
}

void SqliteStore::AddSigningKey(const SigningKey& key) {
  WriteLease c(*this);
  c->Prepare(
       "INSERT INTO signing_keys(kid, alg, private_pem, created_at, retired_at) "
       "VALUES(?1, ?2, ?3, ?4, ?5)")
      .Bind(1, key.kid)
      .Bind(2, key.alg)
      .Bind(3, key.private_pem)
      .Bind(4, key.created_at)
      .Bind(5, key.retired_at)
      .Run();
}

std::vector<SigningKey> SqliteStore::ListSigningKeys() {
  Lease c(*this);
  auto st = c->Prepare(
      "SELECT kid, alg, private_pem, created_at, retired_at FROM signing_keys "
      "ORDER BY created_at DESC, rowid DESC");
  std::vector<SigningKey> keys;
  while (st.Step()) {
    keys.push_back({st.Text(0), st.Text(1), st.Text(2), st.Int64(3), st.OptionalInt64(4)});
  }
  return keys;
}

void SqliteStore::RetireSigningKeys(std::string_view alg, std::string_view keep_kid, int64_t at) {
  WriteLease c(*this);
  c->Prepare(
       "UPDATE signing_keys SET retired_at = ?1 "
       "WHERE alg = ?2 AND kid <> ?3 AND retired_at IS NULL")
      .Bind(1, at)
      .Bind(2, alg)
      .Bind(3, keep_kid)
      .Run();
}

}  // namespace dfauth::store::sqlite
