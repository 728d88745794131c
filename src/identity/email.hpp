#pragma once
// E-mail addresses as the reference's Django stack treats them.

#include <string>
#include <string_view>

namespace dfauth::identity {

/// The client message of an address that fails IsValidEmail (Django's EmailValidator).
inline constexpr const char* kInvalidEmailMessage = "Enter a valid email address.";

/// Django's BaseUserManager.normalize_email: trims the address and lower-cases only the part
/// after the last '@' (ASCII letters); input without '@' is returned unchanged.
std::string NormalizeEmail(std::string_view email);

/// Django's EmailValidator (dot-atom or quoted local part; a domain with a dot, "localhost",
/// or a literal [IPv4/IPv6]) plus EmailField's 254-character limit.
bool IsValidEmail(std::string_view email);

}  // namespace dfauth::identity
