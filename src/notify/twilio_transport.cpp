// Twilio's Messages resource through libcurl: a form POST with HTTP basic auth
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "config/loader.hpp"
#include "notify/transport_internal.hpp"

namespace dfauth::notify {

namespace {

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  // Only the start matters (Twilio's error code); a hostile endpoint cannot grow it unbounded.
  if (body->size() < 64 * 1024) body->append(data, size * count);
  return size * count;
}

class TwilioTransport final : public Transport {
 public:
  explicit TwilioTransport(const config::Settings& s)
      : url_(s.otp_twilio_url + (s.otp_twilio_url.ends_with('/') ? "" : "/") + "2010-04-01/Accounts/" +
             s.otp_twilio_account + "/Messages.json"),
        account_(s.otp_twilio_account),
        auth_(s.otp_twilio_auth),
        from_(s.otp_twilio_from),
        service_sid_(s.otp_twilio_messaging_service_sid) {
    EnsureCurlInitialised();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw config::ConfigError("SMS_BACKEND", "libcurl could not start");
  }
  ~TwilioTransport() override { curl_easy_cleanup(curl_); }

  void Send(const store::OutboxMessage& m) override {
    CURL* h = curl_;
    curl_easy_reset(h);
    std::string form = Field("To", m.recipient) + "&" + Field("Body", m.text) + "&" +
                       (service_sid_.empty() ? Field("From", from_)
                                             : Field("MessagingServiceSid", service_sid_));
    std::string body;
    curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, account_.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, auth_.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(form.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) throw SendError("twilio: " + std::string(curl_easy_strerror(rc)), false);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return;
    // Only Twilio's numeric error code is recorded: its message may repeat the number.
    std::string code;
    auto json = nlohmann::json::parse(body, nullptr, false);
    if (json.is_object() && json.contains("code") && json["code"].is_number_integer())
      code = " code " + std::to_string(json["code"].get<int64_t>());
    bool retry = status == 429 || status >= 500 || status < 200;
    throw SendError("twilio: HTTP " + std::to_string(status) + code, !retry);
  }

 private:
  std::string Field(const char* name, const std::string& value) {
    char* escaped = curl_easy_escape(curl_, value.c_str(), static_cast<int>(value.size()));
    std::string out = std::string(name) + "=" + (escaped != nullptr ? escaped : "");
    curl_free(escaped);
    return out;
  }

  std::string url_;
  std::string account_;
  std::string auth_;
  std::string from_;
  std::string service_sid_;
  CURL* curl_ = nullptr;
};

}  // namespace

std::unique_ptr<Transport> MakeTwilioTransport(const config::Settings& s) { return std::make_unique<TwilioTransport>(s); }

}  // namespace dfauth::notify
