#include "store/source.hpp"

#include <charconv>
#include <strings.h>

namespace dfauth::store {

int64_t SourceRow::Int64(int column) const {
  const std::string text = Text(column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() ? value : 0;
}

bool SourceRow::Bool(int column) const {
  const std::string text = Text(column);
  return text == "1" || strcasecmp(text.c_str(), "t") == 0 || strcasecmp(text.c_str(), "true") == 0;
}

}  // namespace dfauth::store
