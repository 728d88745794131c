#include "identity/password_policy.hpp"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "identity/breached_filter.hpp"

namespace dfauth::identity {
namespace {

// Django's common-password list, compiled in so a deployment cannot lose it.
constexpr std::string_view kCommonPasswords[] = {
#include "identity/common_passwords.inc"
};

const std::unordered_set<std::string_view>& CommonPasswords() {
  static const std::unordered_set<std::string_view> set(std::begin(kCommonPasswords),
                                                        std::end(kCommonPasswords));
  return set;
}

bool IsSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

// Python's len() of a str: UTF-8 bytes that do not continue a sequence.
std::size_t CodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

}  // namespace

bool IsCommonPassword(std::string_view password) {
  while (!password.empty() && IsSpace(password.front())) password.remove_prefix(1);
  while (!password.empty() && IsSpace(password.back())) password.remove_suffix(1);
  std::string lowered(password);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return CommonPasswords().count(lowered) != 0;
}

std::optional<PasswordProblem> CheckPassword(std::string_view password, std::size_t min_length,
                                             const BreachedFilter* breached) {
  auto invalid = [](std::string message) { return PasswordProblem{"invalid", std::move(message)}; };
  if (CodePoints(password) < min_length) {
    return invalid("This password is too short. It must contain at least " + std::to_string(min_length) +
                   (min_length == 1 ? " character." : " characters."));
  }
  if (IsCommonPassword(password)) return invalid("This password is too common.");
  if (!password.empty() &&
      std::all_of(password.begin(), password.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid("This password is entirely numeric.");
  }
  if (breached != nullptr && breached->Contains(password))
    return PasswordProblem{kPasswordBreachedCode, kPasswordBreachedMessage};
  return std::nullopt;
}

}  // namespace dfauth::identity
