#pragma once
// Phone numbers as the reference's django-phonenumber-field treats them: parsed with
// libphonenumber, accepted only when valid, stored and compared in E.164.

#include <optional>
#include <string>
#include <string_view>

namespace dfauth::identity {

/// A valid phone number in canonical form.
struct PhoneInfo {
  std::string e164;  ///< e.g. "+31612345678"
  std::string type;  ///< libphonenumber's type name: MOBILE, FIXED_LINE, PREMIUM_RATE, …
};

/// The E.164 form and type of `input`, or nullopt when it does not parse or is not a valid
/// number. Without `default_region` (ISO 3166 code, e.g. "NL") only "+…" input can parse.
std::optional<PhoneInfo> ParsePhone(std::string_view input, std::string_view default_region = "");

}  // namespace dfauth::identity
