#include "store/sqlite/migrations.hpp"

namespace dfauth::store::sqlite {

namespace {

// Booleans are INTEGER 0/1 and times are Unix seconds (INTEGER), as in store.hpp.
constexpr Migration kMigrations[] = {
    {1, "initial", R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL UNIQUE,             -- case-sensitive, as Django's
  email TEXT,
  email_ci TEXT UNIQUE,                      -- lower(email), maintained by the store
  phone_number TEXT UNIQUE,                  -- E.164
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  password TEXT NOT NULL DEFAULT '',
  is_active INTEGER NOT NULL DEFAULT 1,
  is_staff INTEGER NOT NULL DEFAULT 0,
  is_superuser INTEGER NOT NULL DEFAULT 0,
  two_fa_required INTEGER NOT NULL DEFAULT 0,
  date_joined INTEGER NOT NULL,
  last_login INTEGER,
  extra TEXT NOT NULL DEFAULT '{}',
  tokens_valid_after INTEGER NOT NULL DEFAULT 0,
  invited_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
  is_registering INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_invited_by ON users(invited_by);

CREATE TABLE revoked_tokens (
  jti TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens(expires_at);

CREATE TABLE token_families (
  family TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  revoked_at INTEGER
) WITHOUT ROWID;
CREATE INDEX token_families_user_id ON token_families(user_id);

CREATE TABLE refresh_tokens (
  jti TEXT PRIMARY KEY,
  family TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  access_jti TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  spent_at INTEGER
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens(user_id);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens(expires_at);

CREATE TABLE server_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_pem TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER
);
)sql"},
    {2, "otp_devices", R"sql(
-- OTP devices of every type in one table (ids are unique across types; routes still take
-- ?type=). Codes are stored as keyed hashes, never in clear; secret is the TOTP key.
CREATE TABLE otp_devices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type TEXT NOT NULL,                        -- email | sms | totp | static
  name TEXT NOT NULL DEFAULT '',
  destination TEXT NOT NULL DEFAULT '',      -- email address or E.164 number
  confirmed INTEGER NOT NULL DEFAULT 0,
  secret TEXT NOT NULL DEFAULT '',
  code_hash TEXT NOT NULL DEFAULT '',
  valid_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,       -- wrong tries against the issued code
  throttle_failures INTEGER NOT NULL DEFAULT 0,
  throttle_until INTEGER NOT NULL DEFAULT 0,
  last_totp_step INTEGER NOT NULL DEFAULT -1,
  last_sent_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX otp_devices_user ON otp_devices(user_id, type);

CREATE TABLE otp_static_codes (
  device_id INTEGER NOT NULL REFERENCES otp_devices(id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,
  PRIMARY KEY(device_id, code_hash)
) WITHOUT ROWID;

-- THROTTLE_OTP_SEND: messages per destination in fixed windows.
CREATE TABLE otp_send_counters (
  destination TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY(destination, window_start)
) WITHOUT ROWID;
)sql"},
    {3, "outbox", R"sql(
-- Messages waiting for the background sender (notify::Delivery). Times are Unix milliseconds.
-- subject/text/html are blanked once sent or given up: the codes inside must not stay at rest.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  channel TEXT NOT NULL,                     -- email | sms
  recipient TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  html TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,                   -- NULL once sent or given up
  sent_at INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
)sql"},
    {5, "social_links", R"sql(
-- Provider accounts linked to users (social login and connect).
CREATE TABLE social_links (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  provider TEXT NOT NULL,
  uid TEXT NOT NULL,
  extra_json TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE(provider, uid)
);
CREATE INDEX social_links_user_id ON social_links(user_id);
)sql"},
    {4, "guard", R"sql(
-- IP bans (HONEYPOT_*, df-auth guard block): an address or a CIDR in canonical text.
CREATE TABLE ip_bans (
  ip TEXT PRIMARY KEY,
  until INTEGER NOT NULL,
  reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX ip_bans_until ON ip_bans(until);

-- Security counters shared by replicas: failed logins per account and per IP, OTP sends per
-- destination; one row per fixed window.
CREATE TABLE security_counters (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (kind, key, window_start)
) WITHOUT ROWID;
CREATE INDEX security_counters_expires_at ON security_counters(expires_at);
)sql"},
    {6, "refresh_tokens_by_family", R"sql(
-- Refresh tokens keyed by (family, jti): a rotation spends one row and inserts the next into
-- the same key range (usually one page) instead of touching the family and user_id indexes at
-- random places. Deleting a user cascades through token_families to its refresh tokens.
CREATE TABLE refresh_tokens_by_family (
  family TEXT NOT NULL REFERENCES token_families(family) ON DELETE CASCADE,
  jti TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  access_jti TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  spent_at INTEGER,
  PRIMARY KEY (family, jti)
) WITHOUT ROWID;
INSERT INTO refresh_tokens_by_family(family, jti, user_id, access_jti, issued_at, expires_at, spent_at)
  SELECT r.family, r.jti, r.user_id, r.access_jti, r.issued_at, r.expires_at, r.spent_at
  FROM refresh_tokens r JOIN token_families f ON f.family = r.family;
DROP TABLE refresh_tokens;
ALTER TABLE refresh_tokens_by_family RENAME TO refresh_tokens;
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens(expires_at);
)sql"},
    {7, "otp_devices_destination", R"sql(
-- DEFER_IDENTITY_UPDATE sign-in finds the unconfirmed devices of a pending address.
CREATE INDEX otp_devices_destination ON otp_devices(destination COLLATE NOCASE, type);
)sql"},
    {8, "outbox_seconds", R"sql(
-- The outbox in seconds, the one time unit of every store (it was milliseconds). The columns
-- are renamed as well as converted, so that a replica still running the previous build fails
-- loudly on them during a rolling upgrade instead of writing milliseconds into a seconds column.
UPDATE outbox SET created_at = created_at / 1000, next_attempt_at = next_attempt_at / 1000,
                  sent_at = sent_at / 1000;
ALTER TABLE outbox RENAME COLUMN created_at TO queued_at;
ALTER TABLE outbox RENAME COLUMN next_attempt_at TO due_at;
)sql"},
    {9, "sessions", R"sql(
-- Sessions: one per sign-in; tokens carry the id as `sid`. A revoked one stays until it expires
-- (its revocation is filed as revoked_tokens.jti = 'sid:<id>' for the per-request check).
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  method TEXT NOT NULL,
  revoked_at INTEGER
);
-- Newest first is (created_at, rowid) descending: two sign-ins in one second keep their order.
CREATE INDEX sessions_user_created ON sessions(user_id, created_at);
CREATE INDEX sessions_expires_at ON sessions(expires_at);
)sql"},
    {10, "password_resets", R"sql(
-- Password-reset codes: one row per user and channel (email, sms) holding the last code issued,
-- in the columns an OTP device uses for its code, so the same verification rules apply.
CREATE TABLE password_resets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  channel TEXT NOT NULL,
  destination TEXT NOT NULL,
  code_hash TEXT NOT NULL DEFAULT '',
  valid_until INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  throttle_failures INTEGER NOT NULL DEFAULT 0,
  throttle_until INTEGER NOT NULL DEFAULT 0,
  last_sent_at INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, channel)
);
)sql"},
    {11, "passkeys", R"sql(
-- Passkeys (WebAuthn credentials): byte strings base64url-encoded; credential ids are unique
-- across users (a credential belongs to one account).
CREATE TABLE passkeys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,
  public_key TEXT NOT NULL,
  algorithm INTEGER NOT NULL,
  sign_count INTEGER NOT NULL DEFAULT 0,
  user_verified INTEGER NOT NULL DEFAULT 0,
  backup_eligible INTEGER NOT NULL DEFAULT 0,
  backed_up INTEGER NOT NULL DEFAULT 0,
  aaguid TEXT NOT NULL DEFAULT '',
  transports TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL DEFAULT 0,
  cloned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_user ON passkeys(user_id);
-- One row per ceremony in flight: taken (deleted) once by its verify, purged when expired.
CREATE TABLE webauthn_challenges (
  id TEXT PRIMARY KEY,
  ceremony TEXT NOT NULL,
  user_id INTEGER NOT NULL DEFAULT 0,
  challenge TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX webauthn_challenges_expires_at ON webauthn_challenges(expires_at);
)sql"},
    {12, "audit_log", R"sql(
-- Security events (src/audit): no secret in any column; no foreign key, an entry outlives its user.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  event TEXT NOT NULL,
  method TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  user_id INTEGER,
  actor_id INTEGER,
  ip TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_user_at ON audit_log(user_id, at);
)sql"},
    {13, "identity_changes", R"sql(
-- Reversible identity changes (issue 16 item 3): the old and new email or phone of a change and
-- the keyed hash of the undo token mailed to the old address.
CREATE TABLE identity_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  field TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX identity_changes_user ON identity_changes(user_id);
-- Sign-in devices (issue 16 item 4): a keyed hash of user-agent family + /24 or /48 network.
CREATE TABLE known_devices (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_hash TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, device_hash)
);
)sql"},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

}  // namespace dfauth::store::sqlite
