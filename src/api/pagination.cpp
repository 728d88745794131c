#include "api/pagination.hpp"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "text/percent.hpp"

namespace dfauth::api {
namespace {

int64_t QueryInt(const http::Request& request, std::string_view name, int64_t fallback, int64_t least) {
  auto text = request.QueryParam(name);
  if (!text) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < least) return fallback;
  return value;
}

nlohmann::ordered_json PageUrl(const http::Request& request, int64_t limit, std::optional<int64_t> offset) {
  std::multimap<std::string, std::string> query;
  for (const auto& [name, value] : request.query)
    if (name != "limit" && name != "offset") query.emplace(name, value);
  query.emplace("limit", std::to_string(limit));
  if (offset) query.emplace("offset", std::to_string(*offset));
  std::string url = request.scheme_host + request.path;
  char separator = '?';
  for (const auto& [name, value] : query) {
    url += separator;
    url += text::PercentEncode(name) + "=" + text::PercentEncode(value);
    separator = '&';
  }
  return url;
}

}  // namespace

Page ReadPage(const http::Request& request) {
  return Page{QueryInt(request, "limit", kPageSize, 1), QueryInt(request, "offset", 0, 0)};
}

nlohmann::ordered_json PageJson(const http::Request& request, const Page& page, int64_t count,
                                nlohmann::ordered_json results) {
  nlohmann::ordered_json out;
  out["count"] = count;
  out["next"] = page.offset + page.limit < count ? PageUrl(request, page.limit, page.offset + page.limit)
                                                 : nlohmann::ordered_json();
  out["previous"] = page.offset <= 0                ? nlohmann::ordered_json()
                    : page.offset - page.limit <= 0 ? PageUrl(request, page.limit, std::nullopt)
                                                    : PageUrl(request, page.limit, page.offset - page.limit);
  out["results"] = std::move(results);
  return out;
}

}  // namespace dfauth::api
