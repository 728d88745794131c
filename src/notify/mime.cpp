#include "notify/mime.hpp"

#include <cstdio>
#include <ctime>

#include "crypto/primitives.hpp"

namespace dfauth::notify {

namespace {

bool IsAscii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// A header value on one line: a CR or LF in it could inject headers.
std::string HeaderSafe(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// RFC 2047 encoded-word for a non-ASCII subject.
std::string EncodeHeaderWord(const std::string& s) {
  std::string safe = HeaderSafe(s);
  if (IsAscii(safe)) return safe;
  return "=?UTF-8?B?" + crypto::Base64Encode(safe) + "?=";
}

std::string ToCrlf(const std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 40);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      out += "\r\n";
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out += c;
    }
  }
  return out;
}

bool Fits7bit(const std::string& crlf_text) {
  if (!IsAscii(crlf_text)) return false;
  std::size_t line = 0;
  for (char c : crlf_text) {
    if (c == '\n') {
      line = 0;
    } else if (++line > 998) {
      return false;
    }
    if (c == '\0') return false;
  }
  return true;
}

std::string Part(const std::string& subtype, const std::string& body) {
  std::string crlf = ToCrlf(body);
  std::string out = "Content-Type: text/" + subtype + "; charset=\"utf-8\"\r\n";
  if (Fits7bit(crlf)) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n" + crlf;
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + QuotedPrintable(crlf);
  }
  return out;
}

}  // namespace

std::string QuotedPrintable(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t line = 0;
  auto emit = [&](const std::string& token) {
    if (line + token.size() > 75) {  // leave room for the soft break '='
      out += "=\r\n";
      line = 0;
    }
    out += token;
    line += token.size();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      out += "\r\n";
      line = 0;
      ++i;
      continue;
    }
    bool next_is_break = i + 1 >= s.size() || s[i + 1] == '\r';
    bool plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !next_is_break);
    if (plain) {
      emit(std::string(1, static_cast<char>(c)));
    } else {
      emit(std::string{'=', kHex[c >> 4], kHex[c & 15]});
    }
  }
  return out;
}

std::string FormatEmailDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string FormatEmail(const EmailContent& email) {
  std::string out;
  out += "From: " + HeaderSafe(email.from) + "\r\n";
  out += "To: " + HeaderSafe(email.to) + "\r\n";
  out += "Subject: " + EncodeHeaderWord(email.subject) + "\r\n";
  out += "Date: " + FormatEmailDate(email.date) + "\r\n";
  out += "Message-ID: <" + HeaderSafe(email.message_id) + ">\r\n";
  out += "MIME-Version: 1.0\r\n";
  if (email.html.empty()) {
    out += Part("plain", email.text);
    return out;
  }
  out += "Content-Type: multipart/alternative; boundary=\"" + email.boundary + "\"\r\n\r\n";
  // The CRLF before each delimiter belongs to the delimiter (RFC 2046 §5.1.1), so a part's own
  // final line break survives only with one more CRLF.
  out += "--" + email.boundary + "\r\n" + Part("plain", email.text) + "\r\n";
  out += "--" + email.boundary + "\r\n" + Part("html", email.html) + "\r\n";
  out += "--" + email.boundary + "--\r\n";
  return out;
}

}  // namespace dfauth::notify
