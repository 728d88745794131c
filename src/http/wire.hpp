#pragma once
// The bytes of a response head, written by hand: Beast's serializer walks its buffer sequences
// through a variant per piece (about 16,000 instructions per response, callgrind), while a
// response here is always a complete string body with its length known. Internal to http
// (server.cpp and its tests): it includes Beast.

#include <string>

#include <boost/beast/http/message.hpp>

namespace dfauth::http {

/// "HTTP/1.1 200 OK\r\n", each field "Name: value\r\n" in order, then "\r\n": exactly what
/// Beast's serializer writes before the body.
std::string ResponseHead(const boost::beast::http::response_header<>& head);

}  // namespace dfauth::http
