#include "http/access_log.hpp"

#include <charconv>
#include <cstdio>

#include "text/json_string.hpp"
#include "text/timestamp.hpp"

namespace dfauth::http {

using text::AppendJsonString;

void WriteLog(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }

void LogError(std::string_view message) {
  std::string line = "{\"ts\":\"" + text::UtcTimestamp() + "\",\"level\":\"error\",\"msg\":";
  AppendJsonString(line, message);
  line += "}\n";
  WriteLog(line);
}

std::string_view RouteLabel(const RouteMatch& match) {
  const Route* route = match.route ? match.route : match.path_route;
  return route ? std::string_view(route->options.name) : "unmatched";
}

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",    "POST",    "PUT",  "PATCH",
                                                "DELETE", "OPTIONS", "HEAD"};
  for (std::string_view known : kKnown) {
    if (known == method) return known;
  }
  return "OTHER";
}

std::string AccessLogLine(std::string_view timestamp, const Request& request,
                          const RouteMatch& match, int status,
                          std::chrono::microseconds elapsed) {
  const Route* route = match.route ? match.route : match.path_route;
  std::string line = "{\"ts\":\"";
  line += timestamp;
  line += "\",\"method\":";
  AppendJsonString(line, request.method);
  line += ",\"path\":";
  AppendJsonString(line, route && route->options.log_pattern ? route->pattern : request.path);
  line += ",\"status\":";
  line += std::to_string(status);
  line += ",\"duration_ms\":";
  // Milliseconds with three decimals, from whole microseconds (integer formatting is cheaper).
  const auto micros = elapsed.count();
  char digits[24];
  line.append(digits, std::to_chars(digits, digits + sizeof digits, micros / 1000).ptr);
  line += '.';
  const auto fraction = micros % 1000;
  line += static_cast<char>('0' + fraction / 100);
  line += static_cast<char>('0' + fraction / 10 % 10);
  line += static_cast<char>('0' + fraction % 10);
  line += ",\"user_id\":";
  line += request.caller.Authenticated() ? std::to_string(request.caller.user_id) : "null";
  line += ",\"ip\":";
  AppendJsonString(line, request.client_ip.empty() ? request.peer_ip : request.client_ip);
  line += "}\n";
  return line;
}

bool AccessLogBuffer::Append(std::string_view line) {
  buffer_.append(line);
  if (buffer_.size() >= kLimit) {
    Flush();
    return false;
  }
  if (flush_pending_) return false;
  flush_pending_ = true;
  return true;
}

void AccessLogBuffer::Flush() {
  flush_pending_ = false;
  if (!buffer_.empty()) WriteLog(buffer_);
  buffer_.clear();
}

}  // namespace dfauth::http
