#pragma once
// USER_EXTRA_FIELDS: typed custom profile fields (string, bool, int, date) parsed from text the
// way Django REST framework's fields parse them.

#include <optional>
#include <string>
#include <string_view>

namespace dfauth::identity {

struct ParsedField {
  bool ok = false;
  std::string json;   ///< the value as JSON text when ok
  std::string error;  ///< the client message otherwise
};

/// Parses `text` as a field of `type` ("string", "bool", "int", "date").
ParsedField ParseExtraField(std::string_view type, std::string_view text);

/// DRF BooleanField: true/false, 1/0, yes/no, on/off, t/f, y/n in any common case.
std::optional<bool> ParseBoolean(std::string_view text);

}  // namespace dfauth::identity
