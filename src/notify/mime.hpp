#pragma once
// RFC 5322 / MIME formatting of an outgoing email: the same bytes go to SMTP and to the file
// backend. Text and HTML become multipart/alternative; ASCII parts stay 7bit (readable and
// greppable), others are quoted-printable UTF-8. Line endings are CRLF.

#include <cstdint>
#include <string>

namespace dfauth::notify {

struct EmailContent {
  std::string from;
  std::string to;
  std::string subject;
  std::string text;
  std::string html;     ///< empty: a single text/plain body
  int64_t date = 0;     ///< Unix seconds, for the Date header
  std::string message_id;  ///< without angle brackets
  std::string boundary;    ///< multipart boundary (random per message)
};

/// The whole message, headers and body, with CRLF line endings.
std::string FormatEmail(const EmailContent& email);

/// RFC 5322 date-time in UTC, e.g. "Thu, 01 Jan 1970 00:00:00 +0000".
std::string FormatEmailDate(int64_t unix_seconds);

/// `s` quoted-printable encoded (RFC 2045), lines at most 76 characters, CRLF endings.
std::string QuotedPrintable(const std::string& s);

}  // namespace dfauth::notify
