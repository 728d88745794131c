#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include "http/wire.hpp"

#include <iterator>

#include <boost/beast/core/string.hpp>

namespace dfauth::http {

std::string ResponseHead(const boost::beast::http::response_header<>& head) {
  std::string out;
  out.reserve(192);
  out += "HTTP/";
  out += static_cast<char>('0' + head.version() / 10);
  out += '.';
  out += static_cast<char>('0' + head.version() % 10);
  out += ' ';
  out += std::to_string(head.result_int());
  out += ' ';
  out += head.reason();
  out += "\r\n";
  for (const auto& field : head) {
    out += field.name_string();
    out += ": ";
    out += field.value();
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

bool HasObsFold(std::string_view buffered) {
  // A blank line at the front ends the header; otherwise it ends at the first CRLF CRLF.
  if (buffered.substr(0, 2) == "\r\n") return false;
  const std::size_t end = buffered.find("\r\n\r\n");
  const std::string_view header = end == std::string_view::npos ? buffered : buffered.substr(0, end + 2);
  for (std::size_t at = header.find('\n'); at != std::string_view::npos && at + 1 < header.size();
       at = header.find('\n', at + 1)) {
    if (header[at + 1] == ' ' || header[at + 1] == '\t') return true;
  }
  return false;
}

bool AmbiguousFraming(const boost::beast::http::fields& header) {
  namespace bhttp = boost::beast::http;
  const auto encodings = header.equal_range(bhttp::field::transfer_encoding);
  if (encodings.first == encodings.second) return false;
  if (std::next(encodings.first) != encodings.second) return true;
  if (header.count(bhttp::field::content_length) > 0) return true;
  std::string_view value = encodings.first->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return !boost::beast::iequals(value, "chunked");
}

}  // namespace dfauth::http
