#pragma once
// Percent-encoding for URL query strings (RFC 3986 unreserved characters kept).

#include <string>
#include <string_view>

namespace dfauth::text {

/// `text` percent-encoded for a query-string name or value: everything but A-Z a-z 0-9 - _ . ~
/// becomes %XX (upper-case hex).
std::string PercentEncode(std::string_view text);

}  // namespace dfauth::text
