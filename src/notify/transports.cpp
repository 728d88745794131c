// The console and file transports and the backend factories. SMTP and Twilio live in
// smtp_transport.cpp and twilio_transport.cpp.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "config/loader.hpp"
#include "crypto/primitives.hpp"
#include "notify/mime.hpp"
#include "notify/templates.hpp"
#include "notify/transport.hpp"
#include "notify/transport_internal.hpp"

namespace dfauth::notify {

namespace {

namespace fs = std::filesystem;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string SmsText(const store::OutboxMessage& m) { return "To: " + m.recipient + "\n\n" + m.text + "\n"; }

// Console output is for development (the server warns at start); one message at a time so
// two messages never interleave with each other.
void PrintToStdout(const std::string& text) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

class ConsoleEmail final : public Transport {
 public:
  explicit ConsoleEmail(std::string from) : from_(std::move(from)) {}
  void Send(const store::OutboxMessage& m) override {
    std::string text = FormatEmail(BuildEmailContent(from_, m, NowMs() / 1000));
    PrintToStdout(text + "\r\n" + std::string(70, '-') + "\r\n");
  }

 private:
  std::string from_;
};

class ConsoleSms final : public Transport {
 public:
  void Send(const store::OutboxMessage& m) override { PrintToStdout(SmsText(m) + std::string(70, '-') + "\n"); }
};

// One file per message, written under a temporary name and renamed, so a reader polling the
// folder never sees half a message.
void WriteFileAtomically(const fs::path& dir, const std::string& name, const std::string& content) {
  fs::path tmp = dir / ("." + name + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw SendError("cannot write " + tmp.string(), false);
  }
  std::error_code ec;
  fs::rename(tmp, dir / name, ec);
  if (ec) throw SendError("cannot rename " + tmp.string() + ": " + ec.message(), false);
}

class FileEmail final : public Transport {
 public:
  FileEmail(std::string from, fs::path dir) : from_(std::move(from)), dir_(std::move(dir)) {}
  void Send(const store::OutboxMessage& m) override {
    int64_t now = NowMs();
    WriteFileAtomically(dir_, std::to_string(now) + "-" + std::to_string(m.id) + ".eml",
                        FormatEmail(BuildEmailContent(from_, m, now / 1000)));
  }

 private:
  std::string from_;
  fs::path dir_;
};

class FileSms final : public Transport {
 public:
  explicit FileSms(fs::path dir) : dir_(std::move(dir)) {}
  void Send(const store::OutboxMessage& m) override {
    WriteFileAtomically(dir_, std::to_string(NowMs()) + "-" + std::to_string(m.id) + ".sms", SmsText(m));
  }

 private:
  fs::path dir_;
};

// Django's file backend creates its folder too; failing here stops the server at start.
fs::path PrepareFolder(const std::string& key, const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec || !fs::is_directory(path, ec)) throw config::ConfigError(key, "cannot create folder " + path);
  return fs::path(path);
}

}  // namespace

std::string BareAddress(const std::string& mailbox) {
  auto open = mailbox.rfind('<');
  auto close = mailbox.rfind('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return mailbox;
  return mailbox.substr(open + 1, close - open - 1);
}

EmailContent BuildEmailContent(const std::string& from, const store::OutboxMessage& m, int64_t date) {
  EmailContent e;
  e.from = from;
  e.to = m.recipient;
  e.subject = m.subject;
  e.text = m.text;
  e.html = m.html;
  e.date = date;
  std::string address = BareAddress(from);
  auto at = address.rfind('@');
  std::string domain = at == std::string::npos ? "localhost" : address.substr(at + 1);
  e.message_id = std::to_string(m.id) + "." + crypto::RandomHex(8) + "@" + domain;
  e.boundary = "==dfauth_" + crypto::RandomHex(12);
  return e;
}

void CheckEmailSettings(const config::Settings& s) {
  if (s.email_backend == "console") return;
  if (s.email_backend == "file") {
    if (s.email_file_path.empty()) throw config::ConfigError("EMAIL_FILE_PATH", "must name a folder for the file backend");
    return;
  }
  if (s.email_backend != "smtp") throw config::ConfigError("EMAIL_BACKEND", "must be console, file or smtp");
  if (s.email_use_tls && s.email_use_ssl)
    throw config::ConfigError("EMAIL_USE_SSL", "EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive");
  if (s.email_host.empty()) throw config::ConfigError("EMAIL_HOST", "must be set for the smtp backend");
}

void CheckSmsSettings(const config::Settings& s) {
  if (s.sms_backend == "console") return;
  if (s.sms_backend == "file") {
    if (s.sms_file_path.empty()) throw config::ConfigError("SMS_FILE_PATH", "must name a folder for the file backend");
    return;
  }
  if (s.sms_backend != "twilio") throw config::ConfigError("SMS_BACKEND", "must be console, file or twilio");
  if (s.otp_twilio_account.empty()) throw config::ConfigError("OTP_TWILIO_ACCOUNT", "must be set for the twilio backend");
  if (s.otp_twilio_auth.empty()) throw config::ConfigError("OTP_TWILIO_AUTH", "must be set for the twilio backend");
  if (s.otp_twilio_from.empty() && s.otp_twilio_messaging_service_sid.empty())
    throw config::ConfigError("OTP_TWILIO_FROM", "OTP_TWILIO_FROM or OTP_TWILIO_MESSAGING_SERVICE_SID must be set");
}

void CheckDeliverySettings(const config::Settings& settings) {
  CheckEmailSettings(settings);
  CheckSmsSettings(settings);
  Templates templates(settings);  // reads TEMPLATES_DIR and parses every template
}

std::unique_ptr<Transport> MakeEmailTransport(const config::Settings& s) {
  CheckEmailSettings(s);
  if (s.email_backend == "console") return std::make_unique<ConsoleEmail>(s.default_from_email);
  if (s.email_backend == "file")
    return std::make_unique<FileEmail>(s.default_from_email, PrepareFolder("EMAIL_FILE_PATH", s.email_file_path));
  return MakeSmtpTransport(s);
}

std::unique_ptr<Transport> MakeSmsTransport(const config::Settings& s) {
  CheckSmsSettings(s);
  if (s.sms_backend == "console") return std::make_unique<ConsoleSms>();
  if (s.sms_backend == "file") return std::make_unique<FileSms>(PrepareFolder("SMS_FILE_PATH", s.sms_file_path));
  return MakeTwilioTransport(s);
}

}  // namespace dfauth::notify
