#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include "http/wire.hpp"

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

}  // namespace dfauth::http
