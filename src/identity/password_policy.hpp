#pragma once
// Password strength rules applied at sign-up and password change: Django's default validators
// (minimum length, common password, entirely numeric) with their client messages.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::identity {

/// nullopt when `password` is acceptable, else the client message of the first rule it breaks:
/// fewer than `min_length` Unicode code points, on the common-password list (ignoring case and
/// surrounding whitespace), or only digits. Never truncates; spaces count like any character.
std::optional<std::string> CheckPassword(std::string_view password, std::size_t min_length);

/// Whether `password` is on the shipped common-password list (ignoring case and surrounding
/// whitespace, as Django's CommonPasswordValidator).
bool IsCommonPassword(std::string_view password);

}  // namespace dfauth::identity
