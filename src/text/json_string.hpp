#pragma once
// JSON string literals for the API's hand-written bodies, the log lines and check-config's TOML
// output (TOML basic strings share JSON's escapes), without pulling a JSON library into every area.

#include <string>
#include <string_view>

namespace dfauth::text {

/// Appends `text` to `out` as a quoted JSON string, byte for byte as nlohmann's
/// dump(-1, ' ', false, replace) writes it (the API's bodies and the log lines share one
/// writer): `"` `\` \b \f \n \r \t escaped, other control characters as \u00xx, valid UTF-8
/// kept as is, invalid UTF-8 replaced by U+FFFD, so the result is always valid JSON on one line.
void AppendJsonString(std::string& out, std::string_view text);

/// `text` as a quoted JSON string (see AppendJsonString).
std::string JsonString(std::string_view text);

}  // namespace dfauth::text
