#include "app/import_django.hpp"

#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/email.hpp"
#include "net/database_url.hpp"
#include "otp/code.hpp"
#include "store/device_store.hpp"
#include "store/social_store.hpp"
#include "store/source.hpp"

namespace dfauth::app {
namespace {

/// The columns of Django's AbstractUser that are read (phone_number too, when the model has it).
constexpr const char* kUserColumns[] = {"id", "username", "email", "first_name", "last_name",
                                        "password", "is_active", "is_staff", "is_superuser",
                                        "date_joined", "last_login"};

bool HasTable(store::Source& source, const std::string& table) { return !source.Columns(table).empty(); }

/// A table name as an SQL identifier (names come from the source's own catalogue or the
/// operator; quoting keeps any of them one identifier).
std::string Quoted(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string FindUserTable(store::Source& c, const std::string& requested) {
  if (!requested.empty()) {
    if (!HasTable(c, requested)) throw std::runtime_error("no table " + requested + " in the source");
    return requested;
  }
  std::vector<std::string> candidates;
  for (const auto& table : c.Tables()) {
    auto columns = c.Columns(table);
    if (columns.count("id") && columns.count("username") && columns.count("password") &&
        columns.count("email") && columns.count("is_active") && columns.count("date_joined")) {
      candidates.push_back(table);
    }
  }
  if (candidates.size() == 1) return candidates.front();
  if (candidates.empty()) throw std::runtime_error("no user table in the source (give --user-table)");
  std::string names;
  for (const auto& name : candidates) names += (names.empty() ? "" : ", ") + name;
  throw std::runtime_error("several user tables in the source (" + names + "): give --user-table");
}

/// Django's datetime text (SQLite "2024-05-01 12:34:56[.123456]", PostgreSQL the same with
/// "+00": both UTC under USE_TZ, and the PostgreSQL source reads in UTC) as Unix seconds;
/// nullopt for NULL or text of another form.
std::optional<int64_t> DjangoTime(const store::SourceRow& st, int column) {
  if (st.IsNull(column)) return std::nullopt;
  std::string text = st.Text(column);
  std::tm tm{};
  if (text.size() < 19 || !strptime(text.substr(0, 19).c_str(), "%Y-%m-%d %H:%M:%S", &tm)) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<std::string> OptionalText(const store::SourceRow& st, int column) {
  if (st.IsNull(column)) return std::nullopt;
  std::string text = st.Text(column);
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

ImportCounts ImportDjango(const config::Settings& settings, store::Database& target,
                          const std::string& from_url, const std::string& user_table) {
  std::unique_ptr<store::Source> source;
  try {
    source = store::OpenSource(from_url);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("--from: ") + e.what());
  } catch (const store::StoreUnavailable& e) {
    throw std::runtime_error("cannot read the Django database " + net::MaskDatabaseUrl(from_url) + ": " + e.Detail());
  }
  store::Source& c = *source;
  const std::string users_table = FindUserTable(c, user_table);
  if (target.Users().CountUsers() != 0) {
    throw std::runtime_error("the df-auth database already has users; import-django keeps user ids and needs an empty one");
  }
  ImportCounts counts;
  const auto user_columns = c.Columns(users_table);
  std::string missing;
  for (const char* column : kUserColumns) {
    if (!user_columns.count(column)) missing += (missing.empty() ? "" : ", ") + std::string(column);
  }
  if (!missing.empty()) {
    throw std::runtime_error("the user table " + users_table + " has no column " + missing +
                             " (is it Django's user model?)");
  }
  const bool has_phone = user_columns.count("phone_number") > 0;

  // Users, with their ids: tokens issued by the Django server name them.
  std::map<int64_t, std::string> emails;  // user id -> email (devices without their own address)
  {
    c.Each("SELECT id, username, email, " + std::string(has_phone ? "phone_number" : "NULL") +
           ", first_name, last_name, password, is_active, is_staff, is_superuser, "
           "date_joined, last_login FROM " + Quoted(users_table) + " ORDER BY id",
           [&](const store::SourceRow& st) {
      store::User u;
      u.id = st.Int64(0);
      u.username = st.Text(1);
      if (auto email = OptionalText(st, 2)) u.email = identity::NormalizeEmail(*email);
      u.phone_number = OptionalText(st, 3);
      u.first_name = st.Text(4);
      u.last_name = st.Text(5);
      u.password_hash = st.Text(6);  // pbkdf2_sha256$…: verified as is, re-hashed at first login
      u.is_active = st.Bool(7);
      u.is_staff = st.Bool(8);
      u.is_superuser = st.Bool(9);
      u.date_joined = DjangoTime(st, 10).value_or(0);
      u.last_login = DjangoTime(st, 11);
      if (u.email) emails[u.id] = *u.email;
      try {
        target.Users().CreateUser(u);
      } catch (const store::DuplicateError& e) {
        // Django compares emails case-sensitively; df-auth does not (and phone numbers are
        // unique in both). Nothing is guessed: the operator merges or renames, then imports again.
        throw std::runtime_error("user " + std::to_string(u.id) + " (" + u.username + "): its " + e.Field() +
                                 " is taken by an earlier user (df-auth compares emails without case);"
                                 " fix the source and import into a new database");
      }
      ++counts.users;
    });
  }

  // df_auth's own tables: the 2FA flag and invitations (set after every user exists).
  if (HasTable(c, "df_auth_user2fa")) {
    c.Each("SELECT user_id FROM df_auth_user2fa WHERE is_required", [&](const store::SourceRow& st) {
      if (auto user = target.Users().FindUserById(st.Int64(0))) {
        user->two_fa_required = true;
        target.Users().UpdateUser(*user);
        ++counts.two_fa;
      }
    });
  }
  if (HasTable(c, "df_auth_userregistration")) {
    c.Each("SELECT user_id, is_registering, invited_by_id FROM df_auth_userregistration",
           [&](const store::SourceRow& st) {
             if (auto user = target.Users().FindUserById(st.Int64(0))) {
               user->is_registering = st.Bool(1);
               if (!st.IsNull(2)) user->invited_by = st.Int64(2);
               target.Users().UpdateUser(*user);
             }
           });
  }

  // OTP devices. Codes in flight (stored in clear by django-otp) are not carried over: they
  // would land in clear nowhere, and they expire within minutes anyway.
  store::DeviceStore& devices = target.Devices();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto add_device = [&](store::Device d) {
    d.created_at = now;
    d.id = devices.CreateDevice(d);
    ++counts.devices;
    return d.id;
  };
  auto device_base = [](const store::SourceRow& st, std::string type) {
    store::Device d;
    d.user_id = st.Int64(0);
    d.name = st.Text(1);
    d.confirmed = st.Bool(2);
    d.type = std::move(type);
    return d;
  };
  if (HasTable(c, "otp_email_emaildevice")) {
    c.Each("SELECT user_id, name, confirmed, email FROM otp_email_emaildevice ORDER BY id", [&](const store::SourceRow& st) {
      store::Device d = device_base(st, "email");
      // django-otp sends to the user's address when the device has none.
      std::optional<std::string> address = OptionalText(st, 3);
      if (!address && emails.count(d.user_id)) address = emails[d.user_id];
      if (!address) {  // nowhere to send a code: the device could never be used
        ++counts.devices_skipped;
        return;
      }
      d.destination = identity::NormalizeEmail(*address);
      add_device(std::move(d));
    });
  }
  if (HasTable(c, "otp_twilio_twiliosmsdevice")) {
    c.Each("SELECT user_id, name, confirmed, number FROM otp_twilio_twiliosmsdevice ORDER BY id", [&](const store::SourceRow& st) {
      store::Device d = device_base(st, "sms");
      d.destination = st.Text(3);
      add_device(std::move(d));
    });
  }
  if (HasTable(c, "otp_totp_totpdevice")) {
    c.Each("SELECT user_id, name, confirmed, key, step, t0, digits, last_t FROM otp_totp_totpdevice ORDER BY id",
           [&](const store::SourceRow& st) {
      // df-auth verifies 6-digit SHA-1 codes in 30 s steps from t0 = 0 (RFC 6238 defaults).
      if (st.Int64(4) != 30 || st.Int64(5) != 0 || st.Int64(6) != otp::kCodeDigits) {
        ++counts.devices_skipped;
        return;
      }
      store::Device d = device_base(st, "totp");
      d.secret = st.Text(3);
      d.last_totp_step = st.Int64(7);
      add_device(std::move(d));
    });
  }
  if (HasTable(c, "otp_static_staticdevice") && HasTable(c, "otp_static_statictoken")) {
    // Backup codes, read first: a device's codes are hashed with the id it gets here.
    std::map<int64_t, std::vector<std::string>> codes;  // source device id -> codes
    c.Each("SELECT device_id, token FROM otp_static_statictoken ORDER BY id",
           [&](const store::SourceRow& st) { codes[st.Int64(0)].push_back(st.Text(1)); });
    c.Each("SELECT user_id, name, confirmed, id FROM otp_static_staticdevice ORDER BY id", [&](const store::SourceRow& st) {
      store::Device d = device_base(st, "static");
      const int64_t source_id = st.Int64(3);
      const int64_t id = add_device(std::move(d));
      // Backup codes are stored keyed-hashed, bound to the new device id, as df-auth makes them.
      std::vector<std::string> hashes;
      for (const auto& code : codes[source_id]) {
        hashes.push_back(otp::HashCode(settings.secret_key, id, otp::NormalizeStaticCode(code)));
      }
      devices.UpdateDevice(id, [&](store::Device& row) {
        row.static_code_hashes = hashes;
        return true;
      });
    });
  }

  // Social links (python-social-auth).
  if (HasTable(c, "social_auth_usersocialauth")) {
    store::SocialStore& social = target.Social();
    c.Each("SELECT user_id, provider, uid, extra_data FROM social_auth_usersocialauth ORDER BY id",
           [&](const store::SourceRow& st) {
      // extra_data is JSON text in python-social-auth; anything but an object becomes {}.
      nlohmann::json extra_data = st.IsNull(3) ? nlohmann::json() : nlohmann::json::parse(st.Text(3), nullptr, false);
      const std::string extra = extra_data.is_object() ? extra_data.dump() : "{}";
      social.Link(st.Int64(0), st.Text(1), st.Text(2), extra, now);
      ++counts.social_links;
    });
  }
  return counts;
}

}  // namespace dfauth::app
