// The import-django row readers (src/app/import_django.cpp, store::SourceRow): a Django
// database with whatever its rows hold, imported into an empty df-auth database. The source is
// a real SQLite file in Django's schema (the one tests/e2e/test_import_django.py creates, user
// table auth_user), written fresh for each input; the target a fresh in-memory SQLite database,
// migrated. An import either completes, with as many users in the target as it counts, or
// refuses with std::runtime_error (the operator's message, exit 1); any other exception, crash
// or sanitizer report is a bug.
// Input: one row per line, `table|value|value|…` in the table's column order (`\N` is NULL;
// missing values are NULL, extra ones dropped; SQLite's column affinity turns "1" into an
// integer where Django's column is one). A first line `!nophone` drops auth_user.phone_number,
// `!table=NAME` passes --user-table NAME.

#include <sqlite3.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/import_django.hpp"
#include "config/settings.hpp"
#include "fuzz_support.hpp"
#include "store/database.hpp"
#include "store/user_store.hpp"

namespace {

using namespace dfauth;

constexpr std::string_view kSchema = R"SQL(CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL,
  "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE,
  "first_name" varchar(150) NOT NULL, "last_name" varchar(150) NOT NULL, "is_staff" bool NOT NULL,
  "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "email" varchar(255) NULL UNIQUE,
  "phone_number" varchar(32) NULL UNIQUE);
CREATE TABLE "df_auth_user2fa" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "is_required" bool NOT NULL,
  "user_id" integer NOT NULL UNIQUE REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "df_auth_userregistration" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "is_registering" bool NOT NULL, "invited_by_id" integer NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "user_id" integer NOT NULL UNIQUE REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "otp_email_emaildevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "token" varchar(16) NULL, "valid_until" datetime NOT NULL, "email" varchar(254) NULL,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_twilio_twiliosmsdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "number" varchar(30) NOT NULL, "key" varchar(40) NOT NULL, "last_t" bigint NOT NULL,
  "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "token" varchar(16) NULL,
  "valid_until" datetime NOT NULL, "throttling_failure_count" integer unsigned NOT NULL,
  "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_totp_totpdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "key" varchar(80) NOT NULL, "step" smallint unsigned NOT NULL, "t0" bigint NOT NULL,
  "digits" smallint unsigned NOT NULL, "tolerance" smallint unsigned NOT NULL, "drift" smallint NOT NULL,
  "last_t" bigint NOT NULL, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_static_staticdevice" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(64) NOT NULL,
  "confirmed" bool NOT NULL, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "throttling_failure_count" integer unsigned NOT NULL, "throttling_failure_timestamp" datetime NULL);
CREATE TABLE "otp_static_statictoken" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "token" varchar(16) NOT NULL,
  "device_id" integer NOT NULL REFERENCES "otp_static_staticdevice" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "social_auth_usersocialauth" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
  "provider" varchar(32) NOT NULL, "uid" varchar(255) NOT NULL, "extra_data" text NOT NULL,
  "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED,
  "created" datetime NOT NULL, "modified" datetime NOT NULL);)SQL";

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    // The statement and SQLite's words on the property line, which tests/fuzz/run prints.
    const std::string what = "the Django schema does not load: " + sql.substr(0, 60) + ": " +
                             (error ? error : sqlite3_errmsg(db)) + " (" +
                             std::to_string(sqlite3_extended_errcode(db)) + ")";
    sqlite3_free(error);
    fuzz::Require(false, what.c_str());
  }
}

/// The column count of each table of the schema, by name.
std::map<std::string, int, std::less<>> ColumnCounts(sqlite3* db) {
  std::map<std::string, int, std::less<>> out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT m.name, count(*) FROM sqlite_master m, pragma_table_info(m.name) "
                         "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' GROUP BY m.name", -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = sqlite3_column_int(st, 1);
  }
  sqlite3_finalize(st);
  return out;
}

/// Writes the Django database of `input` to `path`; returns the --user-table option.
std::string WriteSource(const std::string& path, std::string_view input) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) unlink((path + suffix).c_str());
  sqlite3* db = nullptr;
  fuzz::Require(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "cannot create the source database");
  // The journal in memory, not off: an INSERT Django's constraints refuse is rolled back
  // cleanly (with no journal at all SQLite cannot undo a statement's partial work).
  Exec(db, "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF");
  auto lines = Split(input, '\n');
  std::string user_table;
  bool phone = true;
  if (!lines.empty() && lines.front().starts_with('!')) {
    const std::string_view option = lines.front().substr(1);
    if (option == "nophone") phone = false;
    if (option.starts_with("table=")) user_table = std::string(option.substr(6));
    lines.erase(lines.begin());
  }
  std::string schema(kSchema);
  if (!phone) {
    constexpr std::string_view kPhone = ",\n  \"phone_number\" varchar(32) NULL UNIQUE";
    schema.erase(schema.find(kPhone), kPhone.size());
  }
  Exec(db, "BEGIN; " + schema + " COMMIT;");
  const auto columns = ColumnCounts(db);
  Exec(db, "BEGIN");
  for (std::string_view line : lines) {
    auto values = Split(line, '|');
    auto table = columns.find(values.front());
    if (table == columns.end()) continue;
    std::string sql = "INSERT INTO \"" + table->first + "\" VALUES (";
    for (int i = 0; i < table->second; ++i) sql += i ? ",?" : "?";
    sql += ")";
    sqlite3_stmt* st = nullptr;
    fuzz::Require(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK, "bad insert");
    for (int i = 0; i < table->second; ++i) {
      const std::size_t k = static_cast<std::size_t>(i) + 1;
      if (k >= values.size() || values[k] == "\\N") continue;  // NULL
      sqlite3_bind_text(st, i + 1, values[k].data(), static_cast<int>(values[k].size()), SQLITE_TRANSIENT);
    }
    sqlite3_step(st);  // a row Django's constraints refuse is not in the source
    sqlite3_finalize(st);
  }
  Exec(db, "COMMIT");
  sqlite3_close(db);
  return user_table;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string source = fuzz::ScratchDir() + "/django.sqlite3";
  static const config::Settings settings = [] {
    config::Settings s;
    s.secret_key = "fuzz-secret-key-0123456789abcdefghijklmnopqrstuvwxyz";
    return s;
  }();
  const std::string user_table = WriteSource(source, std::string_view(reinterpret_cast<const char*>(data), size));
  auto target = store::OpenDatabase("sqlite://:memory:", 1);
  target->Migrate();
  app::ImportCounts counts;
  try {
    counts = app::ImportDjango(settings, *target, "sqlite://" + source, user_table);
  } catch (const std::runtime_error&) {
    return 0;  // refused, with the operator's message
  }
  fuzz::Require(target->Users().CountUsers() == counts.users, "users counted differ from users imported");
  return 0;
}
