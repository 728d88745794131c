#pragma once
// One way of delivering a rendered message (email: console, file, smtp; SMS: console, file,
// twilio). Used by the sender thread only, one message at a time, so implementations need not
// be thread-safe and may keep a connection open between messages.

#include <memory>
#include <stdexcept>
#include <string>

#include "config/settings.hpp"
#include "store/outbox_store.hpp"

namespace dfauth::notify {

/// A failed send. `permanent` failures are not retried (e.g. Twilio refused the number);
/// what() is recorded in the outbox and logged, so it never contains message text or secrets.
class SendError : public std::runtime_error {
 public:
  SendError(const std::string& what, bool permanent) : std::runtime_error(what), permanent_(permanent) {}
  bool Permanent() const noexcept { return permanent_; }

 private:
  bool permanent_;
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// Delivers the message or throws SendError.
  virtual void Send(const store::OutboxMessage& message) = 0;
};

/// Validates the delivery settings (backends, their keys, TEMPLATES_DIR and its templates)
/// without side effects; throws config::ConfigError naming the key. For check-config.
void CheckDeliverySettings(const config::Settings& settings);

/// The EMAIL_BACKEND transport (creates EMAIL_FILE_PATH for the file backend); throws config::ConfigError naming the key that is wrong.
std::unique_ptr<Transport> MakeEmailTransport(const config::Settings& settings);
/// The SMS_BACKEND transport; throws config::ConfigError naming the key that is wrong.
std::unique_ptr<Transport> MakeSmsTransport(const config::Settings& settings);

/// The address inside "Name <addr>", or the whole text when it has no angle brackets.
std::string BareAddress(const std::string& mailbox);

}  // namespace dfauth::notify
