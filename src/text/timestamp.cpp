#include "text/timestamp.hpp"

#include <charconv>
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
  std::string ms = UtcTimestamp(std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
  ms.erase(ms.size() - 5, 4);  // "….000Z" → "…Z"
  return ms;
}

std::optional<int64_t> ParseUtc(std::string_view text) {
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) return seconds;
  std::string s(text);
  if (s.size() == 10) s += "T00:00:00";
  if (s.size() > 19 && (s.substr(19) == "Z" || s.substr(19) == "+00:00")) s.resize(19);
  if (s.size() != 19) return std::nullopt;
  std::tm tm{};
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr || *rest != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace dfauth::text
