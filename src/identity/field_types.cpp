#include "identity/field_types.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

namespace dfauth::identity {

std::optional<bool> ParseBoolean(std::string_view text) {
  static constexpr std::array<std::string_view, 14> kTrue = {
      "true", "True", "TRUE", "1", "yes", "Yes", "YES", "on", "On", "ON", "t", "T", "y", "Y"};
  static constexpr std::array<std::string_view, 14> kFalse = {
      "false", "False", "FALSE", "0", "no", "No", "NO", "off", "Off", "OFF", "f", "F", "n", "N"};
  for (auto t : kTrue)
    if (text == t) return true;
  for (auto f : kFalse)
    if (text == f) return false;
  return std::nullopt;
}

namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool ValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  int y = std::stoi(std::string(s.substr(0, 4)));
  int m = std::stoi(std::string(s.substr(5, 2)));
  int d = std::stoi(std::string(s.substr(8, 2)));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  int max_day = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  return d <= max_day;
}

}  // namespace

ParsedField ParseExtraField(std::string_view type, std::string_view text) {
  ParsedField out;
  if (type == "bool") {
    auto b = ParseBoolean(text);
    if (!b) {
      out.error = "Must be a valid boolean.";
      return out;
    }
    out.json = *b ? "true" : "false";
  } else if (type == "int") {
    std::string trimmed(text);
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
    std::size_t start = 0;
    while (start < trimmed.size() && std::isspace(static_cast<unsigned char>(trimmed[start]))) ++start;
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(trimmed.data() + start, trimmed.data() + trimmed.size(), value);
    if (ec != std::errc() || ptr != trimmed.data() + trimmed.size() || start == trimmed.size()) {
      out.error = "A valid integer is required.";
      return out;
    }
    out.json = std::to_string(value);
  } else if (type == "date") {
    if (!ValidDate(text)) {
      out.error = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.";
      return out;
    }
    out.json = nlohmann::json(std::string(text)).dump();
  } else {
    out.json = nlohmann::json(std::string(text)).dump();
  }
  out.ok = true;
  return out;
}

}  // namespace dfauth::identity
