#pragma once
// Message templates (interface.md §3 "Messages"): built-in defaults compiled into the binary,
// each overridable by a file of the same name in TEMPLATES_DIR (read once at start). Email
// templates are `<name>.txt` (text part) and `<name>.html` (HTML part, optional); SMS templates
// `<name>.txt`. Mustache (kainjow): `{{x}}` HTML-escapes in .html files and is raw in .txt files.
// The OTP SMS is OTP_TWILIO_TOKEN_TEMPLATE with `{token}` replaced (django-otp-twilio's syntax)
// unless TEMPLATES_DIR holds an otp_sms.txt. Each template is parsed once, at start; a message
// renders from a copy of the parsed tree (parsing was a fifth of an otp/ request's instructions).

#include <map>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "notify/notifier.hpp"

namespace kainjow::mustache {
template <typename StringType>
class basic_data;
}  // namespace kainjow::mustache

namespace dfauth::notify {

struct RenderedMessage {
  std::string subject;  ///< email only
  std::string text;     ///< the text part, or the SMS body
  std::string html;     ///< the HTML part; empty for SMS or an email without one
};

class Templates {
 public:
  /// Loads built-ins and TEMPLATES_DIR overrides; throws config::ConfigError naming
  /// TEMPLATES_DIR when the folder is missing or a template does not parse.
  explicit Templates(const config::Settings& settings);

  /// Renders `message.template_name` with its variables (site_url defaults to SITE_URL).
  /// Throws std::invalid_argument for an unknown template name.
  RenderedMessage Render(const Message& message) const;

 private:
  std::string Source(const std::string& file) const;
  /// `file` rendered with `data`, HTML-escaped when `html`; empty when there is no such file.
  std::string RenderFile(const std::string& file, const kainjow::mustache::basic_data<std::string>& data,
                         bool html) const;

  std::string otp_email_subject_;
  std::string sms_token_template_;
  std::string site_url_;
  std::map<std::string, std::string> sources_;  ///< file name -> mustache source
  struct Parsed;                                 ///< file name -> parsed template (templates.cpp)
  std::shared_ptr<const Parsed> parsed_;
};

/// The built-in text of template file `file` (e.g. "otp_email.txt"); empty when there is none.
std::string BuiltinTemplate(const std::string& file);

}  // namespace dfauth::notify
