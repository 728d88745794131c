#include "text/utf8.hpp"

#include <cstddef>

namespace dfauth::text {
namespace {

// Unicode 15 table 3-7: the lead byte fixes the length and the range of the second byte
// (which excludes overlong forms, surrogates and code points past U+10FFFF).
std::size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}
unsigned char SecondLow(unsigned char lead) { return lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80; }
unsigned char SecondHigh(unsigned char lead) { return lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF; }

}  // namespace

std::string SanitizeUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n && s[i] < 0x80) ++i;
  if (i == n) return std::string(text);  // ASCII: nothing to check
  std::string out;
  out.reserve(n);
  out.append(text.substr(0, i));
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t len = SequenceLength(c);
    // The longest prefix of a well-formed sequence (a bad lead byte is a prefix of length 1).
    std::size_t good = 1;
    while (len != 0 && good < len && i + good < n &&
           s[i + good] >= (good == 1 ? SecondLow(c) : 0x80) && s[i + good] <= (good == 1 ? SecondHigh(c) : 0xBF)) {
      ++good;
    }
    if (len != 0 && good == len) out.append(text.substr(i, len));
    else out += "\xEF\xBF\xBD";
    i += good;
  }
  return out;
}

}  // namespace dfauth::text
