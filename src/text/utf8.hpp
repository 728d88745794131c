#pragma once
// UTF-8 hygiene for text that reaches clients and logs from untrusted bytes.

#include <string>
#include <string_view>

namespace dfauth::text {

/// `text` with every invalid UTF-8 sequence replaced by U+FFFD; valid text is returned unchanged.
std::string SanitizeUtf8(std::string_view text);

}  // namespace dfauth::text
