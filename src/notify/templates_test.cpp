#include "notify/templates.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "config/loader.hpp"
#include "notify/test_util.hpp"

namespace dfauth::notify {
namespace {

using testing::TempDir;

Message OtpEmail() {
  Message m;
  m.channel = Channel::kEmail;
  m.to = "bob@x.io";
  m.template_name = "otp_email";
  m.variables = {{"code", "872866"},
                 {"magic_link", "https://app.example.com/#/login/Ym9iQHguaW8vODcyODY2?redirect_path=/d?a=1&b=2"},
                 {"username", "O'Brien"},
                 {"valid_minutes", "5"}};
  return m;
}

TEST(Templates, BuiltinOtpEmailHasCodeLinkAndSubject) {
  config::Settings s;
  Templates t(s);
  RenderedMessage r = t.Render(OtpEmail());
  EXPECT_EQ(r.subject, "Your sign-in code");
  EXPECT_TRUE(std::regex_search(r.text, std::regex("(^|\\n)872866\\n"))) << r.text;
  // The link is raw in the text part and HTML-escaped in the HTML part.
  EXPECT_NE(r.text.find("\nhttps://app.example.com/#/login/Ym9iQHguaW8vODcyODY2?redirect_path=/d?a=1&b=2\n"),
            std::string::npos)
      << r.text;
  EXPECT_NE(r.text.find("valid for 5 minutes"), std::string::npos);
  EXPECT_NE(r.html.find("href=\"https://app.example.com/#/login/Ym9iQHguaW8vODcyODY2?redirect_path=/d?a=1&amp;b=2\""),
            std::string::npos)
      << r.html;
  EXPECT_NE(r.html.find(">872866<"), std::string::npos);
}

TEST(Templates, OtpSubjectComesFromTheSetting) {
  config::Settings s;
  s.otp_email_subject = "Ihr Code";
  EXPECT_EQ(Templates(s).Render(OtpEmail()).subject, "Ihr Code");
}

TEST(Templates, OtpSmsUsesTheTwilioTokenTemplate) {
  config::Settings s;
  Message m;
  m.channel = Channel::kSms;
  m.template_name = "otp_sms";
  m.variables = {{"code", "123456"}};
  EXPECT_EQ(Templates(s).Render(m).text, "123456");
  s.otp_twilio_token_template = "Code {token}; again: {token} {{code}}";
  RenderedMessage r = Templates(s).Render(m);
  EXPECT_EQ(r.text, "Code 123456; again: 123456 {{code}}");  // django-otp-twilio syntax, not mustache
  EXPECT_EQ(r.subject, "");
  EXPECT_EQ(r.html, "");
}

TEST(Templates, FilesInTemplatesDirOverrideBuiltins) {
  TempDir dir;
  dir.Write("otp_email.txt", "Hi {{username}}, code {{code}} link {{magic_link}}");
  dir.Write("otp_sms.txt", "{{site_url}} code {{code}}");
  config::Settings s;
  s.templates_dir = dir.Path();
  s.site_url = "https://a.b/#";
  Templates t(s);
  RenderedMessage r = t.Render(OtpEmail());
  // Text templates are not HTML: no entity escaping even with {{x}}.
  EXPECT_EQ(r.text,
            "Hi O'Brien, code 872866 link https://app.example.com/#/login/Ym9iQHguaW8vODcyODY2?redirect_path=/d?a=1&b=2");
  EXPECT_NE(r.html.find(">872866<"), std::string::npos);  // no otp_email.html override: built-in
  Message sms;
  sms.channel = Channel::kSms;
  sms.template_name = "otp_sms";
  sms.variables = {{"code", "654321"}};
  EXPECT_EQ(t.Render(sms).text, "https://a.b/# code 654321");
}

TEST(Templates, HtmlEscapesVariables) {
  TempDir dir;
  dir.Write("new_device_email.html", "<p>{{username}}</p>");
  config::Settings s;
  s.templates_dir = dir.Path();
  Message m;
  m.template_name = "new_device_email";
  m.variables = {{"username", "<b>&'"}};
  RenderedMessage r = Templates(s).Render(m);
  EXPECT_EQ(r.html, "<p>&lt;b&gt;&amp;&apos;</p>");
  EXPECT_EQ(r.subject, "A new sign-in device was added to your account");
  EXPECT_EQ(r.text.substr(0, 14), "Hello <b>&',\n\n");
}

TEST(Templates, InvitationEmailAndSms) {
  config::Settings s;
  s.site_url = "https://app.example.com/#";
  Templates t(s);
  Message m;
  m.template_name = "invite_email";
  m.variables = {{"inviter", "alice"}, {"magic_link", "https://l.ink/x=="}, {"code", "111222"}, {"valid_minutes", "10080"}};
  RenderedMessage r = t.Render(m);
  EXPECT_EQ(r.subject, "You are invited to sign in");
  EXPECT_EQ(r.text.substr(0, 58), "alice invited you to sign in at https://app.example.com/#.");
  EXPECT_NE(r.text.find("\nhttps://l.ink/x==\n"), std::string::npos);
  EXPECT_NE(r.text.find("\n111222\n"), std::string::npos);
  Message sms;
  sms.channel = Channel::kSms;
  sms.template_name = "invite_sms";
  sms.variables = {{"code", "333444"}};
  EXPECT_EQ(t.Render(sms).text, "You are invited to sign in; your code is 333444");
}

TEST(Templates, MissingTemplatesDirIsAConfigError) {
  config::Settings s;
  s.templates_dir = "/nonexistent/dfauth-templates";
  try {
    Templates t(s);
    FAIL() << "expected ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "TEMPLATES_DIR");
  }
}

TEST(Templates, BrokenTemplateIsAConfigError) {
  TempDir dir;
  dir.Write("invite_email.txt", "{{#inviter}} never closed");
  config::Settings s;
  s.templates_dir = dir.Path();
  try {
    Templates t(s);
    FAIL() << "expected ConfigError";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key, "TEMPLATES_DIR");
    EXPECT_NE(std::string(e.what()).find("invite_email.txt"), std::string::npos);
  }
}

TEST(Templates, UnknownTemplateNameThrows) {
  config::Settings s;
  Message m;
  m.template_name = "nope";
  EXPECT_THROW(Templates(s).Render(m), std::invalid_argument);
}

}  // namespace
}  // namespace dfauth::notify
