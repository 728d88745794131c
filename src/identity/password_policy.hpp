#pragma once
// Password strength rules applied at sign-up and password change: Django's default validators
// (minimum length, common password, entirely numeric) with their client messages, and the
// breached-password filter (PASSWORD_BREACHED_FILTER) when one is configured.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::identity {

class BreachedFilter;

/// A broken rule: the envelope code ("invalid", or "password_breached") and the client message.
struct PasswordProblem {
  std::string code;
  std::string message;
  bool operator==(const PasswordProblem&) const = default;
};

/// nullopt when `password` is acceptable, else the first rule it breaks: fewer than
/// `min_length` Unicode code points, on the common-password list (ignoring case and surrounding
/// whitespace), or only digits (code "invalid"); then, with a `breached` filter, on it (code
/// "password_breached"). Never truncates; spaces count like any character.
std::optional<PasswordProblem> CheckPassword(std::string_view password, std::size_t min_length,
                                             const BreachedFilter* breached = nullptr);

inline constexpr const char* kPasswordBreachedCode = "password_breached";
inline constexpr const char* kPasswordBreachedMessage =
    "This password has appeared in a data breach; choose another.";

/// Whether `password` is on the shipped common-password list (ignoring case and surrounding
/// whitespace, as Django's CommonPasswordValidator).
bool IsCommonPassword(std::string_view password);

}  // namespace dfauth::identity
