#pragma once
// OTP destinations (email addresses, E.164 numbers) compared as the devices store them: email
// case-insensitively, so that an address typed in capitals is the same inbox.

#include <string>
#include <string_view>

namespace dfauth::otp {

/// `text` with ASCII letters lower-cased (non-ASCII bytes unchanged).
inline std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

}  // namespace dfauth::otp
