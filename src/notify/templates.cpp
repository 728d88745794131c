#include "notify/templates.hpp"

#include <kainjow/mustache.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/loader.hpp"

namespace dfauth::notify {

namespace {

namespace fs = std::filesystem;

// The files a deployment may override; otp_sms.txt has no built-in text (the setting is used).
constexpr const char* kTemplateFiles[] = {
    "otp_email.txt",    "otp_email.html",    "otp_sms.txt",          "invite_email.txt",
    "invite_email.html", "invite_sms.txt",   "new_device_email.txt", "new_device_email.html",
    "password_reset_email.txt", "password_reset_email.html", "password_reset_sms.txt",
    "password_changed_email.txt", "password_changed_email.html",
    "identity_changed_email.txt", "identity_changed_email.html", "identity_changed_sms.txt",
    "new_signin_email.txt", "new_signin_email.html",
};

constexpr const char* kOtpEmailText = R"(Your sign-in code is:

{{code}}
{{#valid_minutes}}
It is valid for {{valid_minutes}} minutes.
{{/valid_minutes}}
{{#magic_link}}

Or sign in with this link:
{{&magic_link}}
{{/magic_link}}

If you did not ask for this code, you can ignore this message.
)";

constexpr const char* kOtpEmailHtml = R"(<!DOCTYPE html>
<html>
<body>
<p>Your sign-in code is:</p>
<p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
{{#valid_minutes}}
<p>It is valid for {{valid_minutes}} minutes.</p>
{{/valid_minutes}}
{{#magic_link}}
<p><a href="{{magic_link}}">Sign in with one click</a></p>
{{/magic_link}}
<p>If you did not ask for this code, you can ignore this message.</p>
</body>
</html>
)";

constexpr const char* kInviteEmailText = R"({{#inviter}}{{inviter}} invited you to sign in{{/inviter}}{{^inviter}}You are invited to sign in{{/inviter}}{{#site_url}} at {{&site_url}}{{/site_url}}.
{{#magic_link}}

Sign in with this link{{#valid_minutes}} (valid for {{valid_minutes}} minutes, once){{/valid_minutes}}:
{{&magic_link}}
{{/magic_link}}
{{#code}}

Your sign-in code is:

{{code}}
{{/code}}
)";

constexpr const char* kInviteEmailHtml = R"(<!DOCTYPE html>
<html>
<body>
<p>{{#inviter}}{{inviter}} invited you to sign in{{/inviter}}{{^inviter}}You are invited to sign in{{/inviter}}{{#site_url}} at {{site_url}}{{/site_url}}.</p>
{{#magic_link}}
<p><a href="{{magic_link}}">Sign in</a>{{#valid_minutes}} (valid for {{valid_minutes}} minutes, once){{/valid_minutes}}</p>
{{/magic_link}}
{{#code}}
<p>Your sign-in code is: <b>{{code}}</b></p>
{{/code}}
</body>
</html>
)";

constexpr const char* kInviteSmsText =
    R"({{#inviter}}{{inviter}} invited you to sign in{{/inviter}}{{^inviter}}You are invited to sign in{{/inviter}}{{#magic_link}}: {{&magic_link}}{{/magic_link}}{{^magic_link}}{{#code}}; your code is {{code}}{{/code}}{{/magic_link}})";

constexpr const char* kNewDeviceEmailText = R"(Hello{{#username}} {{username}}{{/username}},

a new sign-in device was added to your account{{#email}} ({{email}}){{/email}}{{#phone_number}} ({{phone_number}}){{/phone_number}}.

If this was not you, sign in and remove it, and change your password.
)";

constexpr const char* kPasswordResetEmailText = R"(Hello{{#username}} {{username}}{{/username}},

someone asked to reset the password of your account. Your reset code is:

{{code}}
{{#valid_minutes}}
It is valid for {{valid_minutes}} minutes, once.
{{/valid_minutes}}
{{#reset_link}}

Or choose a new password with this link:
{{&reset_link}}
{{/reset_link}}

If you did not ask for this, you can ignore this message: your password stays as it is.
)";

constexpr const char* kPasswordResetEmailHtml = R"(<!DOCTYPE html>
<html>
<body>
<p>Someone asked to reset the password of your account. Your reset code is:</p>
<p style="font-size:24px;font-weight:bold;letter-spacing:4px">{{code}}</p>
{{#valid_minutes}}
<p>It is valid for {{valid_minutes}} minutes, once.</p>
{{/valid_minutes}}
{{#reset_link}}
<p><a href="{{reset_link}}">Choose a new password</a></p>
{{/reset_link}}
<p>If you did not ask for this, you can ignore this message: your password stays as it is.</p>
</body>
</html>
)";

constexpr const char* kPasswordResetSmsText = R"(Your password reset code is {{code}})";

constexpr const char* kPasswordChangedEmailText = R"(Hello{{#username}} {{username}}{{/username}},

your password was changed{{#site_url}} at {{&site_url}}{{/site_url}} with a reset code, and every session of your account was signed out.

If this was not you, reset your password at once and check your sign-in devices.
)";

constexpr const char* kIdentityChangedEmailText = R"(Hello{{#username}} {{username}}{{/username}},

the {{what}} of your account was changed from {{email}}{{#new_value}} to {{new_value}}{{/new_value}}.

If this was not you, undo the change with this link (valid {{valid_days}} days, once):
{{&undo_link}}

Undoing it puts {{email}} back, signs every session out and sends a password-reset code here.
)";

constexpr const char* kIdentityChangedSmsText =
    R"(The phone number of your account was changed. Not you? Undo within {{valid_days}} days: {{&undo_link}})";

constexpr const char* kNewSigninEmailText = R"(Hello{{#username}} {{username}}{{/username}},

there was a new sign-in to your account from a device not seen before:

Time: {{time}}
Network: {{network}}
Device: {{device}}
Method: {{method}}

If this was you, there is nothing to do. If not, end that session and change your password:
{{&sessions_link}}
)";

struct Kind {
  bool email;
  const char* subject;  ///< nullptr: OTP_EMAIL_SUBJECT
};

const std::map<std::string, Kind>& Kinds() {
  static const std::map<std::string, Kind> kinds = {
      {"otp_email", {true, nullptr}},
      {"otp_sms", {false, nullptr}},
      {"invite_email", {true, "You are invited to sign in"}},
      {"invite_sms", {false, nullptr}},
      {"new_device_email", {true, "A new sign-in device was added to your account"}},
      {"password_reset_email", {true, "Reset your password"}},
      {"password_reset_sms", {false, nullptr}},
      {"password_changed_email", {true, "Your password was changed"}},
      {"identity_changed_email", {true, "Your account's email address was changed"}},
      {"identity_changed_sms", {false, nullptr}},
      {"new_signin_email", {true, "New sign-in to your account"}},
  };
  return kinds;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw config::ConfigError("TEMPLATES_DIR", "cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ReplaceAll(std::string text, std::string_view what, std::string_view with) {
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
  return text;
}

}  // namespace

std::string BuiltinTemplate(const std::string& file) {
  static const std::map<std::string, std::string> builtins = {
      {"otp_email.txt", kOtpEmailText},       {"otp_email.html", kOtpEmailHtml},
      {"invite_email.txt", kInviteEmailText}, {"invite_email.html", kInviteEmailHtml},
      {"invite_sms.txt", kInviteSmsText},     {"new_device_email.txt", kNewDeviceEmailText},
      {"password_reset_email.txt", kPasswordResetEmailText},
      {"password_reset_email.html", kPasswordResetEmailHtml},
      {"password_reset_sms.txt", kPasswordResetSmsText},
      {"password_changed_email.txt", kPasswordChangedEmailText},
      {"identity_changed_email.txt", kIdentityChangedEmailText},
      {"identity_changed_sms.txt", kIdentityChangedSmsText},
      {"new_signin_email.txt", kNewSigninEmailText},
  };
  auto it = builtins.find(file);
  return it == builtins.end() ? std::string() : it->second;
}

struct Templates::Parsed {
  std::map<std::string, kainjow::mustache::mustache> files;
};

Templates::Templates(const config::Settings& settings)
    : otp_email_subject_(settings.otp_email_subject),
      sms_token_template_(settings.otp_twilio_token_template),
      site_url_(settings.site_url) {
  for (const char* file : kTemplateFiles) {
    if (auto text = BuiltinTemplate(file); !text.empty()) sources_[file] = text;
  }
  if (!settings.templates_dir.empty()) {
    fs::path dir(settings.templates_dir);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      throw config::ConfigError("TEMPLATES_DIR", "no such folder: " + settings.templates_dir);
    for (const char* file : kTemplateFiles) {
      if (fs::exists(dir / file, ec)) sources_[file] = ReadFile(dir / file);
    }
  }
  // A broken template stops the server at start, not at the first sign-in.
  auto parsed = std::make_shared<Parsed>();
  for (const auto& [file, source] : sources_) {
    kainjow::mustache::mustache tmpl(source);
    if (!tmpl.is_valid())
      throw config::ConfigError("TEMPLATES_DIR", file + ": " + tmpl.error_message());
    parsed->files.emplace(file, std::move(tmpl));
  }
  parsed_ = std::move(parsed);
}

std::string Templates::RenderFile(const std::string& file, const kainjow::mustache::data& data, bool html) const {
  auto it = parsed_->files.find(file);
  if (it == parsed_->files.end()) return "";
  // A copy: rendering may write the template's error state, and renders run on many threads.
  kainjow::mustache::mustache tmpl = it->second;
  // Plain text is not HTML: a username "O'Brien" must stay as typed there.
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl.render(data);
}

std::string Templates::Source(const std::string& file) const {
  auto it = sources_.find(file);
  return it == sources_.end() ? std::string() : it->second;
}

RenderedMessage Templates::Render(const Message& message) const {
  auto kind = Kinds().find(message.template_name);
  if (kind == Kinds().end())
    throw std::invalid_argument("unknown message template " + message.template_name);

  kainjow::mustache::data data;
  // Only non-empty values are set, so `{{#x}}…{{/x}}` sections test presence.
  if (!site_url_.empty()) data.set("site_url", site_url_);
  for (const auto& [name, value] : message.variables) {
    if (!value.empty()) data.set(name, value);
  }

  RenderedMessage out;
  const std::string& name = message.template_name;
  if (name == "otp_sms" && Source("otp_sms.txt").empty()) {
    auto code = message.variables.find("code");
    out.text = ReplaceAll(sms_token_template_, "{token}",
                          code == message.variables.end() ? std::string() : code->second);
    return out;
  }
  out.text = RenderFile(name + ".txt", data, /*html=*/false);
  if (kind->second.email) {
    out.subject = kind->second.subject != nullptr ? kind->second.subject : otp_email_subject_;
    if (sources_.count(name + ".html")) out.html = RenderFile(name + ".html", data, /*html=*/true);
  }
  return out;
}

}  // namespace dfauth::notify
