#pragma once
// The bytes of a response head, written by hand: Beast's serializer walks its buffer sequences
// through a variant per piece (about 16,000 instructions per response, callgrind), while a
// response here is always a complete string body with its length known. Also the request
// framing rules Beast 1.74 leaves to its user (request smuggling, RFC 9112 §6.1, §6.3, §5.2).
// Internal to http (session.cpp and its tests): it includes Beast.

#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

namespace dfauth::http {

/// "HTTP/1.1 200 OK\r\n", each field "Name: value\r\n" in order, then "\r\n": exactly what
/// Beast's serializer writes before the body.
std::string ResponseHead(const boost::beast::http::response_header<>& head);

/// Whether the header bytes at the front of `buffered` (up to the blank line, or all of it while
/// that has not arrived) hold an obs-fold: a field line continued on a line that starts with SP
/// or HTAB. Beast joins such lines into one value; a proxy in front may not, so the request is
/// refused (RFC 9112 §5.2). `buffered` starts at a request or right after a parsed field line.
bool HasObsFold(std::string_view buffered);

/// Whether a parsed request header leaves its body length ambiguous where Beast accepts it: any
/// Transfer-Encoding other than exactly one `chunked` (`chunked, identity`, `xchunked`, `gzip`,
/// a repeated field), or Transfer-Encoding with Content-Length in any order. Such a request is
/// answered 400 and its connection closed (RFC 9112 §6.1, §6.3). Beast itself refuses two
/// different Content-Lengths, `Content-Length: 1, 2` and bad chunk sizes.
bool AmbiguousFraming(const boost::beast::http::fields& header);

}  // namespace dfauth::http
