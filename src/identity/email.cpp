#include "identity/email.hpp"

#include <arpa/inet.h>

#include <string>

namespace dfauth::identity {
namespace {

constexpr std::size_t kMaxEmailLength = 254;   // Django's EmailField max_length
constexpr std::size_t kMaxLabelLength = 63;    // RFC 1034

bool IsSpace(char c) {
  // Python's str.strip() whitespace within ASCII: \t\n\v\f\r, \x1c-\x1f and space.
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

bool IsNonAscii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

// RFC 5322 atext, as in Django's user_regex.
bool IsAtext(char c) {
  if (IsAlnum(c)) return true;
  for (char allowed : std::string_view("-!#$%&'*+/=?^_`{}|~")) {
    if (c == allowed) return true;
  }
  return false;
}

bool IsDotAtom(std::string_view s) {
  bool segment_empty = true;
  for (char c : s) {
    if (c == '.') {
      if (segment_empty) return false;
      segment_empty = true;
    } else if (IsAtext(c)) {
      segment_empty = false;
    } else {
      return false;
    }
  }
  return !segment_empty;
}

// Django: "([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*".
bool IsQtext(unsigned char c) {
  return (c >= 1 && c <= 8) || c == 11 || c == 12 || (c >= 14 && c <= 31) || c == 33 ||
         (c >= 35 && c <= 91) || (c >= 93 && c <= 127);
}
bool IsQuotedPairChar(unsigned char c) {
  return (c >= 1 && c <= 9) || c == 11 || c == 12 || (c >= 14 && c <= 127);
}

bool IsQuotedString(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  const std::size_t end = s.size() - 1;
  for (std::size_t i = 1; i < end;) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (i + 1 >= end || !IsQuotedPairChar(static_cast<unsigned char>(s[i + 1]))) return false;
      i += 2;
    } else if (IsQtext(c)) {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

// One label of Django's domain_regex. A label with non-ASCII characters stands for its
// punycode form ("xn--…", letters, digits and hyphens), which Django validates after
// encoding; we accept it when its ASCII characters are letters, digits or hyphens.
bool IsLabel(std::string_view label, bool top_level) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  bool non_ascii = false;
  for (char c : label) {
    if (IsNonAscii(c)) {
      non_ascii = true;
    } else if (!IsAlnum(c) && c != '-') {
      return false;
    }
  }
  if (non_ascii) return true;
  if (top_level) return label.size() >= 2 && label.back() != '-';
  return label.front() != '-' && label.back() != '-';
}

bool IsDomainName(std::string_view domain) {
  std::size_t labels = 0;
  while (true) {
    const std::size_t dot = domain.find('.');
    const bool last = dot == std::string_view::npos;
    if (!IsLabel(domain.substr(0, dot), last)) return false;
    ++labels;
    if (last) break;
    domain.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

bool IsAddressLiteral(std::string_view domain) {
  if (domain.size() < 3 || domain.front() != '[' || domain.back() != ']') return false;
  const std::string ip(domain.substr(1, domain.size() - 2));
  for (char c : ip) {
    if (!IsHexDigit(c) && c != ':' && c != '.') return false;
  }
  unsigned char buffer[16];
  return inet_pton(AF_INET, ip.c_str(), buffer) == 1 || inet_pton(AF_INET6, ip.c_str(), buffer) == 1;
}

}  // namespace

std::string NormalizeEmail(std::string_view email) {
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos) return std::string(email);
  const std::string_view stripped = Strip(email);
  const std::size_t split = stripped.rfind('@');
  std::string result(stripped);
  for (std::size_t i = split + 1; i < result.size(); ++i) {
    if (result[i] >= 'A' && result[i] <= 'Z') result[i] = static_cast<char>(result[i] + 32);
  }
  return result;
}

bool IsValidEmail(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailLength) return false;
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::string_view user = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (!IsDotAtom(user) && !IsQuotedString(user)) return false;
  return domain == "localhost" || IsDomainName(domain) || IsAddressLiteral(domain);
}

}  // namespace dfauth::identity
