// Phone and e-mail normalisation (src/identity): ParsePhone with and without a default region,
// NormalizeEmail and IsValidEmail, with the properties the stores rely on: a parsed number's
// E.164 form parses again to itself, normalising an address is idempotent, and a valid address
// stays valid once normalised.
// Input: the first byte picks the region, the rest is the text.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "identity/email.hpp"
#include "identity/phone.hpp"

namespace {

constexpr std::string_view kRegions[] = {"", "NL", "US", "GB", "DE", "FR", "RU", "IN", "BR", "JP",
                                         "nl", "ZZ", "001", "X", "??"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view region = kRegions[data[0] % std::size(kRegions)];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace dfauth::identity;
  using dfauth::fuzz::Require;

  if (auto phone = ParsePhone(text, region)) {
    Require(!phone->e164.empty() && phone->e164.front() == '+', "E.164 without +");
    auto again = ParsePhone(phone->e164);
    Require(again.has_value(), "E.164 form does not parse again");
    Require(again->e164 == phone->e164, "E.164 form parses to another number");
  }

  const std::string normalized = NormalizeEmail(text);
  Require(NormalizeEmail(normalized) == normalized, "NormalizeEmail not idempotent");
  if (IsValidEmail(text)) {
    Require(IsValidEmail(normalized), "a valid address is invalid once normalised");
  }
  return 0;
}
