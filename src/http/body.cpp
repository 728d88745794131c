#include "http/body.hpp"

#include <array>
#include <cctype>
#include <optional>

#include "dfauth/error.hpp"

namespace dfauth::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The value of parameter `name` in a header value like `form-data; name="x"; filename=y`.
std::optional<std::string> HeaderParam(std::string_view value, std::string_view name) {
  std::size_t pos = value.find(';');
  while (pos != std::string_view::npos) {
    value.remove_prefix(pos + 1);
    std::size_t eq = value.find('=');
    std::size_t semi = value.find(';');
    if (eq == std::string_view::npos) return std::nullopt;
    if (semi != std::string_view::npos && semi < eq) {
      pos = semi;
      continue;
    }
    std::string key = Lower(Trim(value.substr(0, eq)));
    std::string_view rest = value.substr(eq + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::string parsed;
    std::size_t consumed = 0;
    if (!rest.empty() && rest.front() == '"') {
      std::size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        parsed += rest[i];
      }
      consumed = std::min(rest.size(), i + 1);
    } else {
      std::size_t end = rest.find(';');
      parsed = std::string(Trim(rest.substr(0, end)));
      consumed = end == std::string_view::npos ? rest.size() : end;
    }
    if (key == name) return parsed;
    value = rest.substr(consumed);
    pos = value.find(';');
  }
  return std::nullopt;
}

const char* PythonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::array: return "list";
    case nlohmann::json::value_t::string: return "str";
    case nlohmann::json::value_t::boolean: return "bool";
    case nlohmann::json::value_t::number_float: return "float";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "int";
    case nlohmann::json::value_t::null: return "NoneType";
    default: return "object";
  }
}

ApiError ParseError(std::string message) {
  return ApiError(400, "parse_error", std::move(message));
}

/// Bytes a plain JSON string may hold as they are: printable ASCII except the quote (which ends
/// it) and the backslash (which starts an escape).
constexpr auto kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7f; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// The body most requests send, `{"token": "<jwt>"}` and the like: one object whose values are
/// strings of printable ASCII without escapes. Read in one pass (nlohmann's lexer costs ~27k
/// instructions on a token body, a third of token/verify/); anything else (escapes, non-ASCII,
/// numbers, nesting, errors) answers nullopt and takes nlohmann's path, so both give one result.
std::optional<nlohmann::json> ParsePlainStringObject(std::string_view body) {
  std::size_t i = 0;
  const std::size_t n = body.size();
  auto skip_space = [&] {
    while (i < n && IsJsonSpace(body[i])) ++i;
  };
  auto plain_string = [&]() -> std::optional<std::string_view> {
    if (i >= n || body[i] != '"') return std::nullopt;
    const std::size_t start = i + 1;
    const std::size_t end = body.find('"', start);
    if (end == std::string_view::npos) return std::nullopt;
    for (std::size_t k = start; k < end; ++k) {
      if (!kPlainStringByte[static_cast<unsigned char>(body[k])]) return std::nullopt;
    }
    i = end + 1;
    return body.substr(start, end - start);
  };
  skip_space();
  if (i >= n || body[i++] != '{') return std::nullopt;
  nlohmann::json out = nlohmann::json::object();
  skip_space();
  if (i < n && body[i] == '}') {
    ++i;
  } else {
    while (true) {
      std::optional<std::string_view> key = plain_string();
      if (!key) return std::nullopt;
      skip_space();
      if (i >= n || body[i++] != ':') return std::nullopt;
      skip_space();
      std::optional<std::string_view> value = plain_string();
      if (!value) return std::nullopt;
      out[std::string(*key)] = std::string(*value);  // a repeated key: the last one wins, as in nlohmann
      skip_space();
      if (i < n && body[i] == ',') {
        ++i;
        skip_space();
        continue;
      }
      if (i < n && body[i] == '}') {
        ++i;
        break;
      }
      return std::nullopt;
    }
  }
  skip_space();
  if (i != n) return std::nullopt;
  return out;
}

nlohmann::json ParseJson(const std::string& body) {
  if (std::optional<nlohmann::json> plain = ParsePlainStringObject(body)) return std::move(*plain);
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // Rare path: parse again with exceptions only to learn where it failed, and phrase it the
    // way Python's json module does (clients match the code, the message is for humans).
    std::size_t byte = 1;
    std::string what;
    try {
      nlohmann::json ignored = nlohmann::json::parse(body);
      (void)ignored;
    } catch (const nlohmann::json::parse_error& e) {
      byte = e.byte == 0 ? 1 : e.byte;
      what = e.what();
    } catch (const nlohmann::json::out_of_range&) {
      // A number beyond double's range (1e400): nlohmann refuses it where Python reads inf.
      throw ParseError("JSON parse error - Number out of range");
    }
    std::size_t pos = std::min(byte - 1, body.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < pos; ++i) {
      if (body[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    const char* kind = what.find("; expected end of input") != std::string::npos ? "Extra data"
                                                                                : "Expecting value";
    throw ParseError("JSON parse error - " + std::string(kind) + ": line " + std::to_string(line) +
                     " column " + std::to_string(column) + " (char " + std::to_string(pos) + ")");
  }
  if (!value.is_object()) {
    throw errors::Invalid(std::string("Invalid data. Expected a dictionary, but got ") +
                          PythonTypeName(value) + ".");
  }
  return value;
}

nlohmann::json ParseForm(std::string_view body) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [key, value] : ParseUrlEncoded(body, false)) out[key] = std::move(value);  // last wins
  return out;
}

nlohmann::json ParseMultipart(std::string_view content_type, std::string_view body) {
  std::optional<std::string> boundary = HeaderParam(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200) {
    throw ParseError("Multipart form parse error - Invalid boundary in multipart: " +
                     (boundary ? *boundary : std::string("None")));
  }
  const std::string delimiter = "--" + *boundary;
  nlohmann::json out = nlohmann::json::object();
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) {
    throw ParseError("Multipart form parse error - no boundary found in the body");
  }
  pos += delimiter.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return out;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") break;
    pos += 2;
    std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) break;
    std::string_view headers = body.substr(pos, headers_end - pos);
    std::size_t content_start = headers_end + 4;
    std::size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string_view::npos) break;
    std::string_view content = body.substr(content_start, next - content_start);

    std::optional<std::string> name;
    bool is_file = false;
    while (!headers.empty()) {
      std::size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (Lower(Trim(line.substr(0, colon))) != "content-disposition") continue;
      std::string_view value = line.substr(colon + 1);
      name = HeaderParam(value, "name");
      is_file = HeaderParam(value, "filename").has_value();
    }
    // Uploaded files have no place in this API; text fields are read as strings.
    if (name && !is_file) out[SanitizeUtf8(*name)] = SanitizeUtf8(content);
    pos = next + 2 + delimiter.size();
  }
  throw ParseError("Multipart form parse error - malformed multipart body");
}

}  // namespace

std::string MediaType(std::string_view content_type) {
  return Lower(Trim(content_type.substr(0, content_type.find(';'))));
}

std::string UrlDecode(std::string_view text, bool plus_as_space) {
  // Most paths and values have nothing to decode.
  if (text.find_first_of(plus_as_space ? std::string_view("%+") : std::string_view("%")) ==
      std::string_view::npos) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseUrlEncoded(std::string_view text,
                                                                 bool keep_bare_keys) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    std::size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos && !keep_bare_keys) continue;
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    out.emplace_back(SanitizeUtf8(UrlDecode(pair.substr(0, eq), true)),
                     SanitizeUtf8(UrlDecode(value, true)));
  }
  return out;
}

nlohmann::json ParseBody(const Request& request) {
  if (request.body.empty()) return nlohmann::json::object();
  std::string_view content_type = request.Header("Content-Type").value_or("");
  const std::string media = MediaType(content_type);
  if (media == "application/json") return ParseJson(request.body);
  if (media == "application/x-www-form-urlencoded") return ParseForm(request.body);
  if (media == "multipart/form-data") return ParseMultipart(content_type, request.body);
  throw ApiError(415, "unsupported_media_type",
                 "Unsupported media type \"" + SanitizeUtf8(content_type) + "\" in request.");
}

}  // namespace dfauth::http
