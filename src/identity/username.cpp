#include "identity/username.hpp"

namespace dfauth::identity {

std::string DeriveUsername(const std::vector<std::string>& identity_fields_in_order,
                           const std::map<std::string, std::string>& values) {
  for (const std::string& field : identity_fields_in_order) {
    const auto it = values.find(field);
    if (it != values.end() && !it->second.empty()) return it->second;
  }
  return "";
}

}  // namespace dfauth::identity
