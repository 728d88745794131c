#include "otp/code.hpp"

#include <algorithm>
#include <cctype>

#include "crypto/primitives.hpp"

namespace dfauth::otp {

std::string GenerateNumericCode() {
  std::string code;
  for (int i = 0; i < kCodeDigits; ++i) code += static_cast<char>('0' + crypto::RandomUniform(10));
  return code;
}

std::vector<std::string> GenerateStaticCodes(int count) {
  std::vector<std::string> codes;
  while (static_cast<int>(codes.size()) < count) {
    std::string code;
    for (int i = 0; i < kStaticCodeLength; ++i)
      code += kStaticAlphabet[crypto::RandomUniform(static_cast<uint32_t>(kStaticAlphabet.size()))];
    bool duplicate = false;
    for (const auto& c : codes) duplicate |= c == code;
    if (!duplicate) codes.push_back(std::move(code));
  }
  return codes;
}

std::string HashCode(std::string_view secret_key, int64_t device_id, std::string_view code) {
  std::string message = std::to_string(device_id);
  message += '|';
  message += code;
  return crypto::HexEncode(crypto::HmacSha256(secret_key, message));
}

std::string NormalizeStaticCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == ' ' || c == '-') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string ValidMinutes(int64_t seconds) {
  return std::to_string(std::max<int64_t>(1, (seconds + 59) / 60));
}

bool LooksNumeric(std::string_view code) {
  if (code.size() != static_cast<std::size_t>(kCodeDigits)) return false;
  for (char c : code)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace dfauth::otp
