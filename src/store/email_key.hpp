#pragma once
// The key that makes email uniqueness and lookup case-insensitive on every backend. ASCII
// folding, as SQLite's lower(): the domain part is case-insensitive by DNS, and the local part
// in practice. An empty address is no identity, so it never collides with another empty one.

#include <optional>
#include <string>
#include <string_view>

namespace dfauth::store {

inline std::optional<std::string> EmailKey(std::string_view email) {
  if (email.empty()) return std::nullopt;
  std::string key(email);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

inline std::optional<std::string> EmailKeyOf(const std::optional<std::string>& email) {
  return email ? EmailKey(std::string_view(*email)) : std::nullopt;
}

}  // namespace dfauth::store
