#include "app/import_django.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/primitives.hpp"
#include "identity/breached_filter.hpp"
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

/// One import: the source open, the target empty, one method per group of Django tables.
class Importer {
 public:
  Importer(const config::Settings& settings, store::Database& target, store::Source& source,
           const identity::BreachedFilter* breached)
      : settings_(settings), target_(target), c_(source), now_(static_cast<int64_t>(std::time(nullptr))),
        breached_(breached) {}

  ImportCounts Run(const std::string& users_table) {
    ImportUsers(users_table);
    ImportDfAuthFlags();
    ImportEmailDevices();
    ImportSmsDevices();
    ImportTotpDevices();
    ImportStaticDevices();
    ImportSocialLinks();
    return counts_;
  }

 private:
  /// Users, with their ids: tokens issued by the Django server name them.
  void ImportUsers(const std::string& users_table) {
    const auto user_columns = c_.Columns(users_table);
    std::string missing;
    for (const char* column : kUserColumns) {
      if (!user_columns.count(column)) missing += (missing.empty() ? "" : ", ") + std::string(column);
    }
    if (!missing.empty()) {
      throw std::runtime_error("the user table " + users_table + " has no column " + missing +
                               " (is it Django's user model?)");
    }
    const bool has_phone = user_columns.count("phone_number") > 0;
    c_.Each("SELECT id, username, email, " + std::string(has_phone ? "phone_number" : "NULL") +
                ", first_name, last_name, password, is_active, is_staff, is_superuser, "
                "date_joined, last_login FROM " + Quoted(users_table) + " ORDER BY id",
            [&](const store::SourceRow& st) { ImportUser(st); });
  }

  void ImportUser(const store::SourceRow& st) {
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
    if (u.email) emails_[u.id] = *u.email;
    CheckBreached(u.password_hash);
    try {
      target_.Users().CreateUser(u);
    } catch (const store::DuplicateError& e) {
      // Django compares emails case-sensitively; df-auth does not (and phone numbers are
      // unique in both). Nothing is guessed: the operator merges or renames, then imports again.
      throw std::runtime_error("user " + std::to_string(u.id) + " (" + u.username + "): its " + e.Field() +
                               " is taken by an earlier user (df-auth compares emails without case);"
                               " fix the source and import into a new database");
    }
    ++counts_.users;
  }

  /// df_auth's own tables: the 2FA flag and invitations (set after every user exists).
  void ImportDfAuthFlags() {
    if (HasTable(c_, "df_auth_user2fa")) {
      c_.Each("SELECT user_id FROM df_auth_user2fa WHERE is_required", [&](const store::SourceRow& st) {
        if (auto user = target_.Users().FindUserById(st.Int64(0))) {
          user->two_fa_required = true;
          target_.Users().UpdateUser(*user);
          ++counts_.two_fa;
        }
      });
    }
    if (HasTable(c_, "df_auth_userregistration")) {
      c_.Each("SELECT user_id, is_registering, invited_by_id FROM df_auth_userregistration",
              [&](const store::SourceRow& st) {
                if (auto user = target_.Users().FindUserById(st.Int64(0))) {
                  user->is_registering = st.Bool(1);
                  if (!st.IsNull(2)) user->invited_by = st.Int64(2);
                  target_.Users().UpdateUser(*user);
                }
              });
    }
  }

  // OTP devices. Codes in flight (stored in clear by django-otp) are not carried over: they
  // would land in clear nowhere, and they expire within minutes anyway.

  int64_t AddDevice(store::Device d) {
    d.created_at = now_;
    d.id = target_.Devices().CreateDevice(d);
    ++counts_.devices;
    return d.id;
  }

  /// user_id, name, confirmed: the first three columns of every device query.
  static store::Device DeviceBase(const store::SourceRow& st, std::string type) {
    store::Device d;
    d.user_id = st.Int64(0);
    d.name = st.Text(1);
    d.confirmed = st.Bool(2);
    d.type = std::move(type);
    return d;
  }

  void ImportEmailDevices() {
    if (!HasTable(c_, "otp_email_emaildevice")) return;
    c_.Each("SELECT user_id, name, confirmed, email FROM otp_email_emaildevice ORDER BY id", [&](const store::SourceRow& st) {
      store::Device d = DeviceBase(st, "email");
      // django-otp sends to the user's address when the device has none.
      std::optional<std::string> address = OptionalText(st, 3);
      if (!address && emails_.count(d.user_id)) address = emails_[d.user_id];
      if (!address) {  // nowhere to send a code: the device could never be used
        ++counts_.devices_skipped;
        return;
      }
      d.destination = identity::NormalizeEmail(*address);
      AddDevice(std::move(d));
    });
  }

  void ImportSmsDevices() {
    if (!HasTable(c_, "otp_twilio_twiliosmsdevice")) return;
    c_.Each("SELECT user_id, name, confirmed, number FROM otp_twilio_twiliosmsdevice ORDER BY id", [&](const store::SourceRow& st) {
      store::Device d = DeviceBase(st, "sms");
      d.destination = st.Text(3);
      AddDevice(std::move(d));
    });
  }

  void ImportTotpDevices() {
    if (!HasTable(c_, "otp_totp_totpdevice")) return;
    c_.Each("SELECT user_id, name, confirmed, key, step, t0, digits, last_t FROM otp_totp_totpdevice ORDER BY id",
            [&](const store::SourceRow& st) {
      // df-auth verifies 6-digit SHA-1 codes in 30 s steps from t0 = 0 (RFC 6238 defaults).
      if (st.Int64(4) != 30 || st.Int64(5) != 0 || st.Int64(6) != otp::kCodeDigits) {
        ++counts_.devices_skipped;
        return;
      }
      store::Device d = DeviceBase(st, "totp");
      d.secret = st.Text(3);
      d.last_totp_step = st.Int64(7);
      AddDevice(std::move(d));
    });
  }

  void ImportStaticDevices() {
    if (!HasTable(c_, "otp_static_staticdevice") || !HasTable(c_, "otp_static_statictoken")) return;
    // Backup codes, read first: a device's codes are hashed with the id it gets here.
    std::map<int64_t, std::vector<std::string>> codes;  // source device id -> codes
    c_.Each("SELECT device_id, token FROM otp_static_statictoken ORDER BY id",
            [&](const store::SourceRow& st) { codes[st.Int64(0)].push_back(st.Text(1)); });
    c_.Each("SELECT user_id, name, confirmed, id FROM otp_static_staticdevice ORDER BY id", [&](const store::SourceRow& st) {
      const int64_t source_id = st.Int64(3);
      const int64_t id = AddDevice(DeviceBase(st, "static"));
      // Backup codes are stored keyed-hashed, bound to the new device id, as df-auth makes them.
      std::vector<std::string> hashes;
      for (const auto& code : codes[source_id]) {
        hashes.push_back(otp::HashCode(settings_.secret_key, id, otp::NormalizeStaticCode(code)));
      }
      target_.Devices().UpdateDevice(id, [&](store::Device& row) {
        row.static_code_hashes = hashes;
        return true;
      });
    });
  }

  /// python-social-auth's links.
  void ImportSocialLinks() {
    if (!HasTable(c_, "social_auth_usersocialauth")) return;
    c_.Each("SELECT user_id, provider, uid, extra_data FROM social_auth_usersocialauth ORDER BY id",
            [&](const store::SourceRow& st) {
      // extra_data is JSON text in python-social-auth; anything but an object becomes {}.
      nlohmann::json extra_data = st.IsNull(3) ? nlohmann::json() : nlohmann::json::parse(st.Text(3), nullptr, false);
      const std::string extra = extra_data.is_object() ? extra_data.dump() : "{}";
      target_.Social().Link(st.Int64(0), st.Text(1), st.Text(2), extra, now_);
      ++counts_.social_links;
    });
  }

  const config::Settings& settings_;
  store::Database& target_;
  store::Source& c_;
  const int64_t now_;
  /// Django's UnsaltedSHA1PasswordHasher stores "sha1$$" + the hex SHA-1 HIBP lists: the one
  /// kind of hash the filter can check without the password.
  void CheckBreached(const std::string& hash) {
    constexpr std::string_view kUnsaltedSha1 = "sha1$$";
    if (breached_ == nullptr || !hash.starts_with(kUnsaltedSha1) || hash.size() != kUnsaltedSha1.size() + 40 ||
        !std::all_of(hash.begin() + kUnsaltedSha1.size(), hash.end(), [](char c) { return std::isxdigit(c) != 0; }))
      return;
    std::string digest;
    for (std::size_t i = kUnsaltedSha1.size(); i < hash.size(); i += 2) {
      const int byte = std::stoi(hash.substr(i, 2), nullptr, 16);
      digest.push_back(static_cast<char>(byte));
    }
    ++counts_.passwords_checked;
    if (breached_->ContainsSha1(digest)) ++counts_.passwords_breached;
  }

  const identity::BreachedFilter* breached_;
  ImportCounts counts_;
  std::map<int64_t, std::string> emails_;  // user id -> email (devices without their own address)
};

}  // namespace

ImportCounts ImportDjango(const config::Settings& settings, store::Database& target,
                          const std::string& from_url, const std::string& user_table,
                          const identity::BreachedFilter* breached) {
  std::unique_ptr<store::Source> source;
  try {
    source = store::OpenSource(from_url);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("--from: ") + e.what());
  } catch (const store::StoreUnavailable& e) {
    throw std::runtime_error("cannot read the Django database " + net::MaskDatabaseUrl(from_url) + ": " + e.Detail());
  }
  const std::string users_table = FindUserTable(*source, user_table);
  if (target.Users().CountUsers() != 0) {
    throw std::runtime_error("the df-auth database already has users; import-django keeps user ids and needs an empty one");
  }
  return Importer(settings, target, *source, breached).Run(users_table);
}

}  // namespace dfauth::app
