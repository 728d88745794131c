#include "http/message.hpp"

#include <algorithm>

namespace dfauth::http {
namespace {

char Lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const noexcept {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<std::string_view> Request::QueryParam(std::string_view name) const {
  // Django's QueryDict.get answers the last value of a repeated key.
  auto [first, last] = query.equal_range(std::string(name));
  if (first == last) return std::nullopt;
  return std::string_view(std::prev(last)->second);
}

}  // namespace dfauth::http
