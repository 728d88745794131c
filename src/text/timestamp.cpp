#include "text/timestamp.hpp"

#include <cstdio>
#include <ctime>

namespace dfauth::text {

std::string UtcTimestamp(std::chrono::system_clock::time_point at) {
  using namespace std::chrono;
  // floor, not duration_cast: times before 1970 must not round towards the epoch.
  const auto ms = floor<milliseconds>(at);
  const auto whole = floor<seconds>(ms);
  const std::time_t t = whole.time_since_epoch().count();  // C++20: the Unix epoch
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ms - whole).count()));
  return buf;
}

std::string UtcTimestamp() { return UtcTimestamp(std::chrono::system_clock::now()); }

}  // namespace dfauth::text
