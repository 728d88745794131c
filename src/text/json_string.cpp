#include "text/json_string.hpp"

#include <algorithm>
#include <cstdio>

#include "text/utf8.hpp"

namespace dfauth::text {

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  // Printable ASCII without quotes or backslashes (methods, paths, addresses) is copied whole.
  if (std::all_of(text.begin(), text.end(), [](char ch) {
        return ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\';
      })) {
    out += text;
    out += '"';
    return;
  }
  for (char ch : SanitizeUtf8(text)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string JsonString(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

}  // namespace dfauth::text
