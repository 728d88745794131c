// SMTP through libcurl. One easy handle is kept for the sender thread, so libcurl's connection
// cache reuses the SMTP session between messages (a burst of codes costs one TLS handshake).

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "config/loader.hpp"
#include "notify/transport_internal.hpp"

namespace dfauth::notify {

void EnsureCurlInitialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(const config::Settings& s)
      : from_(s.default_from_email),
        url_(std::string(s.email_use_ssl ? "smtps://" : "smtp://") + s.email_host + ":" +
             std::to_string(s.email_port)),
        starttls_(s.email_use_tls),
        user_(s.email_host_user),
        password_(s.email_host_password) {
    // The standard variable lets a deployment trust a private CA; without it libcurl keeps its
    // built-in bundle. Verification itself always stays on.
    if (const char* ca = std::getenv("SSL_CERT_FILE"); ca != nullptr && *ca != '\0') ca_file_ = ca;
    EnsureCurlInitialised();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw config::ConfigError("EMAIL_BACKEND", "libcurl could not start");
  }
  ~SmtpTransport() override { curl_easy_cleanup(curl_); }

  void Send(const store::OutboxMessage& m) override {
    const std::string content = FormatEmail(BuildEmailContent(from_, m, NowSeconds()));
    Upload upload{&content};
    // Appended rather than "<" + …: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
    std::string mail_from = "<", rcpt_to = "<";
    mail_from.append(BareAddress(from_)).push_back('>');
    rcpt_to.append(BareAddress(m.recipient)).push_back('>');
    curl_slist* rcpt = curl_slist_append(nullptr, rcpt_to.c_str());

    CURL* h = curl_;
    curl_easy_reset(h);  // keeps the connection cache, drops the previous message's options
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(content.size()));
    if (starttls_) curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    if (!ca_file_.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, ca_file_.c_str());
    if (!user_.empty()) {
      curl_easy_setopt(h, CURLOPT_USERNAME, user_.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, password_.c_str());
    }
    CURLcode rc = curl_easy_perform(h);
    long response = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response);
    curl_slist_free_all(rcpt);
    if (rc == CURLE_OK) return;
    // A 5xx reply (mailbox unavailable, address refused) will not change on retry; a refused
    // login is a configuration problem an operator may fix, so it is retried.
    bool permanent = response >= 500 && response < 600 && rc != CURLE_LOGIN_DENIED;
    throw SendError("smtp: " + std::string(curl_easy_strerror(rc)) +
                        (response != 0 ? " (reply " + std::to_string(response) + ")" : ""),
                    permanent);
  }

 private:
  std::string from_;
  std::string url_;
  bool starttls_;
  std::string user_;
  std::string password_;
  std::string ca_file_;  // SSL_CERT_FILE, empty for libcurl's default bundle
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<Transport> MakeSmtpTransport(const config::Settings& s) { return std::make_unique<SmtpTransport>(s); }

}  // namespace dfauth::notify
