#include <utility>  // Boost 1.74 Asio under C++20 needs std::exchange declared first

#include "http/wire.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <utility>
#include <vector>

#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace dfauth::http {
namespace {

namespace bhttp = boost::beast::http;
using StringResponse = bhttp::response<bhttp::string_body>;

// What Beast's own serializer writes for the whole message.
std::string BeastBytes(const StringResponse& response) {
  std::ostringstream out;
  out << response;
  return out.str();
}

StringResponse Make(unsigned status, std::string body, bool keep_alive) {
  StringResponse response;
  response.version(11);
  response.result(status);
  if (!body.empty()) response.set(bhttp::field::content_type, "application/json");
  response.body() = std::move(body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

TEST(ResponseHead, IsByteForByteWhatBeastWrites) {
  StringResponse ok = Make(200, "{}", true);
  EXPECT_EQ(ResponseHead(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Content-Length: 2\r\n\r\n");
  EXPECT_EQ(ResponseHead(ok) + ok.body(), BeastBytes(ok));

  StringResponse unauthorized = Make(401, R"({"errors":[]})", true);
  unauthorized.insert("WWW-Authenticate", R"(Bearer realm="api")");
  unauthorized.set(bhttp::field::access_control_allow_origin, "https://app.example");
  unauthorized.set(bhttp::field::vary, "Origin");
  EXPECT_EQ(ResponseHead(unauthorized) + unauthorized.body(), BeastBytes(unauthorized));

  StringResponse closing = Make(429, R"({"errors":[]})", false);
  closing.insert("Retry-After", "17");
  EXPECT_EQ(ResponseHead(closing),
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: 13\r\nRetry-After: 17\r\n\r\n");
  EXPECT_EQ(ResponseHead(closing) + closing.body(), BeastBytes(closing));

  StringResponse empty = Make(204, "", true);
  EXPECT_EQ(ResponseHead(empty), "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(ResponseHead(empty), BeastBytes(empty));

  StringResponse unavailable = Make(503, "x", false);
  EXPECT_EQ(ResponseHead(unavailable) + unavailable.body(), BeastBytes(unavailable));
}

TEST(HasObsFold, FindsAContinuationLineOnlyInTheHeader) {
  EXPECT_FALSE(HasObsFold("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nX-A: 1\r\n 2\r\n\r\n"));
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nX-A: 1\r\n\t2\r\n\r\n"));
  // Still arriving: the fold is seen before the blank line is.
  EXPECT_TRUE(HasObsFold("GET / HTTP/1.1\r\nX-A: 1\r\n 2"));
  // After parsed fields, the buffer starts at the next field or at the blank line.
  EXPECT_TRUE(HasObsFold("X-A: 1\r\n 2\r\n\r\n"));
  EXPECT_FALSE(HasObsFold("\r\n {\"json\": \"body\r\n with spaces\"}"));
  // A body (or the next request) after the blank line is not looked at.
  EXPECT_FALSE(HasObsFold("POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\nab\r\n cdef"));
  EXPECT_FALSE(HasObsFold("GET / HTTP/1.1\r\nX-A: a b\t c\r\n"));
  EXPECT_FALSE(HasObsFold(""));
}

TEST(AmbiguousFraming, OnlyOneChunkedAloneOrContentLengthAlone) {
  auto with = [](std::vector<std::pair<bhttp::field, std::string>> fields) {
    bhttp::fields header;
    for (auto& [name, value] : fields) header.insert(name, value);
    return AmbiguousFraming(header);
  };
  using F = bhttp::field;
  EXPECT_FALSE(with({}));
  EXPECT_FALSE(with({{F::content_length, "5"}}));
  EXPECT_FALSE(with({{F::transfer_encoding, "chunked"}}));
  EXPECT_FALSE(with({{F::transfer_encoding, "Chunked "}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "chunked"}, {F::content_length, "5"}}));
  EXPECT_TRUE(with({{F::content_length, "5"}, {F::transfer_encoding, "chunked"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "chunked, identity"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "identity, chunked"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "xchunked"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "gzip"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, "chunked"}, {F::transfer_encoding, "chunked"}}));
  EXPECT_TRUE(with({{F::transfer_encoding, ""}}));
}

}  // namespace
}  // namespace dfauth::http
