#pragma once
// Shared between the transports of the notify area; not for other areas.

#include <memory>
#include <string>

#include "config/settings.hpp"
#include "notify/mime.hpp"
#include "notify/transport.hpp"

namespace dfauth::notify {

/// The email fields of an outbox row, with a fresh Message-ID and boundary.
EmailContent BuildEmailContent(const std::string& from, const store::OutboxMessage& message, int64_t date);

/// libcurl SMTP (plain, STARTTLS with EMAIL_USE_TLS, implicit TLS with EMAIL_USE_SSL).
std::unique_ptr<Transport> MakeSmtpTransport(const config::Settings& settings);
/// libcurl form POST to Twilio's Messages resource.
std::unique_ptr<Transport> MakeTwilioTransport(const config::Settings& settings);

/// Initialises libcurl once per process (before any thread uses it).
void EnsureCurlInitialised();

}  // namespace dfauth::notify
