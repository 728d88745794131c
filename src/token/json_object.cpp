#include "token/json_object.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace dfauth::token {

std::optional<nlohmann::json> ParseUniqueObject(std::string_view text) {
  using Json = nlohmann::json;
  // The names seen in each open object. Tokens carry a handful of members, so a linear search
  // beats hashing; Verify's size limit (kMaxTokenLength) bounds the quadratic worst case.
  std::vector<std::vector<std::string>> open;
  bool duplicate = false;
  auto check = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open.emplace_back();
        break;
      case Json::parse_event_t::key: {
        const auto& name = parsed.get_ref<const std::string&>();
        auto& names = open.back();
        if (std::find(names.begin(), names.end(), name) != names.end()) duplicate = true;
        else names.push_back(name);
        break;
      }
      case Json::parse_event_t::object_end:
        open.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  Json doc = Json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (duplicate || doc.is_discarded() || !doc.is_object()) return std::nullopt;
  return doc;
}

}  // namespace dfauth::token
