#pragma once
// Text helpers shared by the HTTP layer (body parsing, query strings, client addresses).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/utf8.hpp"

namespace dfauth::http {

/// `s` without leading and trailing spaces and tabs.
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Percent-decodes `text` ('+' as a space when `plus_as_space`).
std::string UrlDecode(std::string_view text, bool plus_as_space);

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD (text/utf8.hpp).
using text::SanitizeUtf8;

/// The decoded key/value pairs of an `a=1&b=2` string, in order. A pair without '=' is kept
/// with an empty value when `keep_bare_keys` (query strings), dropped otherwise (form bodies,
/// as Python's parse_qsl does).
std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text,
                                                                 bool keep_bare_keys);

}  // namespace dfauth::http
