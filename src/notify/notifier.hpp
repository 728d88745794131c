#pragma once
// What the rest of df-auth asks of delivery: queue a message. The notify area owns the outbox
// (a database table, so a restart loses nothing), the background sender with retries and
// back-off, the email backends (console, file, smtp) and SMS backends (console, file, twilio),
// and the templates. Enqueue never waits on the network.

#include <map>
#include <string>

namespace dfauth::notify {

enum class Channel { kEmail, kSms };

struct Message {
  Channel channel = Channel::kEmail;
  std::string to;             ///< email address or E.164 phone number
  std::string template_name;  ///< otp_email, otp_sms, invite_email, invite_sms, new_device_email
  /// Template variables (interface.md §3 "Messages"): code, magic_link, username, email,
  /// phone_number, site_url, valid_minutes, inviter.
  std::map<std::string, std::string> variables;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  /// Renders and stores the message in the outbox for the sender; returns at once.
  virtual void Enqueue(const Message& message) = 0;
};

}  // namespace dfauth::notify
