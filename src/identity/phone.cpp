#include "identity/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace dfauth::identity {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

// libphonenumber refuses longer input itself; checking first keeps hostile bodies cheap.
constexpr std::size_t kMaxInputLength = 250;

const char* TypeName(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::FIXED_LINE: return "FIXED_LINE";
    case PhoneNumberUtil::MOBILE: return "MOBILE";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "FIXED_LINE_OR_MOBILE";
    case PhoneNumberUtil::TOLL_FREE: return "TOLL_FREE";
    case PhoneNumberUtil::PREMIUM_RATE: return "PREMIUM_RATE";
    case PhoneNumberUtil::SHARED_COST: return "SHARED_COST";
    case PhoneNumberUtil::VOIP: return "VOIP";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "PERSONAL_NUMBER";
    case PhoneNumberUtil::PAGER: return "PAGER";
    case PhoneNumberUtil::UAN: return "UAN";
    case PhoneNumberUtil::VOICEMAIL: return "VOICEMAIL";
    case PhoneNumberUtil::UNKNOWN: break;
  }
  return "UNKNOWN";
}

}  // namespace

std::optional<PhoneInfo> ParsePhone(std::string_view input, std::string_view default_region) {
  if (input.empty() || input.size() > kMaxInputLength) return std::nullopt;
  // An unknown region ("ZZ") makes libphonenumber require the international "+" form,
  // as phonenumbers does in Python when PHONENUMBER_DEFAULT_REGION is unset.
  std::string region = default_region.empty() ? "ZZ" : std::string(default_region);
  for (char& c : region) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));  // metadata keys are upper
  }
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(input), region, &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
    return std::nullopt;
  }
  if (!util.IsValidNumber(number)) return std::nullopt;
  PhoneInfo info;
  util.Format(number, PhoneNumberUtil::E164, &info.e164);
  info.type = TypeName(util.GetNumberType(number));
  return info;
}

}  // namespace dfauth::identity
