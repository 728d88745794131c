#pragma once
// The one timestamp format of our log lines.

#include <chrono>
#include <cstdint>
#include <string>

namespace dfauth::text {

/// `at` as ISO-8601 UTC with milliseconds: "2023-11-14T22:13:20.123Z" (truncated, not rounded).
std::string UtcTimestamp(std::chrono::system_clock::time_point at);

/// The current time as UtcTimestamp(at) writes it.
std::string UtcTimestamp();

/// Unix seconds as DRF writes a whole-second DateTimeField: "2026-12-06T22:18:12Z".
std::string UtcSeconds(int64_t unix_seconds);

}  // namespace dfauth::text
