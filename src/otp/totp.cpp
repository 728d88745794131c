#include "otp/totp.hpp"

#include <liboath/oath.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

#include "crypto/primitives.hpp"
#include "text/percent.hpp"

namespace dfauth::otp {
namespace {

void EnsureOathInitialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath initialisation failed");
  });
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

std::string GenerateTotpSecret() { return crypto::RandomHex(kTotpSecretBytes); }

std::string TotpCode(std::string_view secret_hex, int64_t step) {
  EnsureOathInitialised();
  auto key = HexDecode(secret_hex);
  if (!key) throw std::invalid_argument("malformed TOTP key");
  char out[16] = {};
  int rc = oath_totp_generate(key->data(), key->size(), static_cast<time_t>(step * kTotpStep),
                              static_cast<unsigned>(kTotpStep), 0, 6, out);
  if (rc != OATH_OK) throw std::runtime_error("liboath: TOTP generation failed");
  return out;
}

std::optional<int64_t> MatchTotpStep(std::string_view secret_hex, std::string_view code, int64_t now,
                                     int window) {
  if (code.size() != 6) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  EnsureOathInitialised();
  auto key = HexDecode(secret_hex);
  if (!key) return std::nullopt;
  std::string otp(code);
  int position = 0;
  uint64_t counter = 0;
  int rc = oath_totp_validate4(key->data(), key->size(), static_cast<time_t>(now),
                               static_cast<unsigned>(kTotpStep), 0, static_cast<size_t>(window),
                               &position, &counter, 0, otp.c_str());
  if (rc < 0) return std::nullopt;
  return static_cast<int64_t>(counter);
}

std::string TotpSecretBase32(std::string_view secret_hex) {
  EnsureOathInitialised();
  auto key = HexDecode(secret_hex);
  if (!key) throw std::invalid_argument("malformed TOTP key");
  char* out = nullptr;
  size_t length = 0;
  if (oath_base32_encode(key->data(), key->size(), &out, &length) != OATH_OK)
    throw std::runtime_error("liboath: base32 encoding failed");
  std::string text(out, length);
  std::free(out);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string OtpauthUrl(std::string_view issuer, std::string_view account, std::string_view secret_hex) {
  std::string label = text::PercentEncode(account);
  if (!issuer.empty()) label = text::PercentEncode(issuer) + ":" + label;
  std::string url = "otpauth://totp/" + label + "?secret=" + TotpSecretBase32(secret_hex) +
                    "&algorithm=SHA1&digits=6&period=30";
  if (!issuer.empty()) url += "&issuer=" + text::PercentEncode(issuer);
  return url;
}

}  // namespace dfauth::otp
