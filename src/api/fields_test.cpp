#include "api/fields.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "text/json_string.hpp"

namespace dfauth::api {
namespace {

std::string NlohmannDump(const auto& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// DumpJson writes what nlohmann writes, byte for byte, on both of its paths.
TEST(DumpJson, SameBytesAsNlohmann) {
  nlohmann::json values[] = {
      nlohmann::json::object(),
      nlohmann::json::array(),
      {{"token", "eyJhbGciOiJIUzI1NiJ9.e30.sig"}},
      {{"id", 7}, {"big", 18446744073709551615ull}, {"neg", -9223372036854775807ll - 1},
       {"f", 1.0}, {"g", 0.1}, {"t", true}, {"n", nullptr}},
      {{"quote\"key", "back\\slash"}, {"ctl", "a\nb\tc\x01"}, {"del", "x\x7fy"},
       {"utf8", "caf\xc3\xa9 \xe2\x82\xac"}, {"bad", "x\xff\xfey"}, {"", ""}},
      {{"errors", {{{"message", "This field is required."}, {"code", "required"},
                    {"field", "email"}}}},
       {"nested", {{"a", {1, 2, {{"b", nullptr}}}}, {"c", nlohmann::json::array()}}}},
      "just a string",
      42,
  };
  for (const auto& value : values) {
    EXPECT_EQ(DumpJson(value), NlohmannDump(value));
  }
  nlohmann::ordered_json ordered;
  ordered["z"] = "first";
  ordered["a"] = 1;
  ordered["m\xc3\xa9"] = {"x", 2.5, false};
  EXPECT_EQ(DumpJson(ordered), NlohmannDump(ordered));
  EXPECT_EQ(DumpJson(ordered), "{\"z\":\"first\",\"a\":1,\"m\xc3\xa9\":[\"x\",2.5,false]}");
}

// The one string writer (text/json_string) is nlohmann's, also for control characters, DEL and
// every kind of invalid UTF-8: 20,000 random byte strings biased towards the awkward bytes.
TEST(DumpJson, StringWriterMatchesNlohmannOnRandomBytes) {
  std::mt19937 random(20261206);
  const unsigned char awkward[] = {0x00, 0x08, 0x0c, 0x1f, '"', '\\', 0x7f, 0x80, 0xbf, 0xc0, 0xc2,
                                   0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 'a'};
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 12, '\0');
    for (char& ch : text)
      ch = static_cast<char>(random() % 2 ? awkward[random() % sizeof awkward] : random() % 256);
    ASSERT_EQ(text::JsonString(text), NlohmannDump(nlohmann::json(text))) << "round " << round;
  }
}

}  // namespace
}  // namespace dfauth::api
