#pragma once
// The one timestamp format of our log lines.

#include <chrono>
#include <string>

namespace dfauth::text {

/// `at` as ISO-8601 UTC with milliseconds: "2023-11-14T22:13:20.123Z" (truncated, not rounded).
std::string UtcTimestamp(std::chrono::system_clock::time_point at);

/// The current time as UtcTimestamp(at) writes it.
std::string UtcTimestamp();

}  // namespace dfauth::text
