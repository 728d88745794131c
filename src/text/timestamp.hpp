#pragma once
// The one timestamp format of our log lines.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dfauth::text {

/// `at` as ISO-8601 UTC with milliseconds: "2023-11-14T22:13:20.123Z" (truncated, not rounded).
std::string UtcTimestamp(std::chrono::system_clock::time_point at);

/// The current time as UtcTimestamp(at) writes it.
std::string UtcTimestamp();

/// Unix seconds as DRF writes a whole-second DateTimeField: "2026-12-06T22:18:12Z".
std::string UtcSeconds(int64_t unix_seconds);

/// A time a person types: Unix seconds ("1765085400"), an ISO 8601 UTC date ("2026-12-07")
/// or date-time ("2026-12-07T05:30:00", optionally with "Z" or "+00:00"); nullopt otherwise.
std::optional<int64_t> ParseUtc(std::string_view text);

}  // namespace dfauth::text
