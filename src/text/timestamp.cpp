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
  // Every request logs a timestamp: the date and time of the current second are formatted once
  // per thread and second, the milliseconds each time.
  thread_local std::time_t cached_second = 0;
  thread_local char cached[32] = "";
  if (cached[0] == '\0' || cached_second != t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached_second = t;
  }
  const int millis = static_cast<int>((ms - whole).count());
  std::string out(cached);
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
}

std::string UtcTimestamp() { return UtcTimestamp(std::chrono::system_clock::now()); }

std::string UtcSeconds(int64_t unix_seconds) {
  std::string out = UtcTimestamp(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
  out.erase(out.size() - 5, 4);  // "…:12.000Z" → "…:12Z" (whole seconds have no fraction)
  return out;
}

}  // namespace dfauth::text
