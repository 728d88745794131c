#pragma once
// UTF-8 hygiene for text that reaches clients and logs from untrusted bytes.

#include <string>
#include <string_view>

namespace dfauth::text {

/// `text` with each maximal invalid subpart replaced by one U+FFFD (Unicode's recommended
/// practice, and what nlohmann's `replace` error handler writes); valid text is returned unchanged.
std::string SanitizeUtf8(std::string_view text);

}  // namespace dfauth::text
