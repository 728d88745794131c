#include "config/loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <set>
#include <type_traits>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "config/keys.hpp"

namespace dfauth::config {

ConfigError::ConfigError(std::string key_name, const std::string& message)
    : std::runtime_error(key_name + ": " + message), key(std::move(key_name)) {}

namespace {

constexpr std::string_view kEnvPrefix = "DF_AUTH_";

using List = std::vector<std::string>;
using Table = std::map<std::string, std::string>;

template <class T>
constexpr std::string_view TypeName() {
  if constexpr (std::is_same_v<T, std::string>) return "a string";
  if constexpr (std::is_same_v<T, bool>) return "a boolean";
  if constexpr (std::is_same_v<T, int64_t>) return "an integer";
  if constexpr (std::is_same_v<T, List>) return "a list of strings";
  if constexpr (std::is_same_v<T, Rate>) return "a rate (N/sec|min|hour|day or off)";
  if constexpr (std::is_same_v<T, Table>) return "a table of strings";
}

std::string_view TomlTypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Reads one value from its TOML node; nullopt when the node has the wrong type.
template <class T>
std::optional<T> FromToml(const toml::node& node) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (auto v = node.value_exact<std::string>()) return *v;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (auto v = node.value_exact<bool>()) return *v;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    if (auto v = node.value_exact<int64_t>()) return *v;
  } else if constexpr (std::is_same_v<T, List>) {
    const toml::array* array = node.as_array();
    if (array == nullptr) return std::nullopt;
    List out;
    for (const auto& item : *array) {
      auto v = item.value_exact<std::string>();
      if (!v) return std::nullopt;
      out.push_back(*v);
    }
    return out;
  } else if constexpr (std::is_same_v<T, Rate>) {
    if (auto v = node.value_exact<std::string>()) return ParseRate(*v);
  } else if constexpr (std::is_same_v<T, Table>) {
    const toml::table* table = node.as_table();
    if (table == nullptr) return std::nullopt;
    Table out;
    for (const auto& [k, item] : *table) {
      auto v = item.template value_exact<std::string>();
      if (!v) return std::nullopt;
      out[std::string(k.str())] = *v;
    }
    return out;
  }
  return std::nullopt;
}

// Reads one value from its environment text; nullopt when malformed.
template <class T>
std::optional<T> FromEnv(std::string_view text) {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(text);
  } else if constexpr (std::is_same_v<T, bool>) {
    std::string v = Lower(Trim(text));
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    std::string_view v = Trim(text);
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (!v.empty() && ec == std::errc() && p == v.data() + v.size()) return out;
  } else if constexpr (std::is_same_v<T, List>) {
    std::string_view v = Trim(text);
    // A JSON array is accepted too, for items that contain commas (regexes).
    if (v.starts_with('[')) {
      auto json = nlohmann::json::parse(v, nullptr, false);
      if (!json.is_array()) return std::nullopt;
      List out;
      for (const auto& item : json) {
        if (!item.is_string()) return std::nullopt;
        out.push_back(item.get<std::string>());
      }
      return out;
    }
    List out;
    while (!v.empty()) {
      auto comma = v.find(',');
      std::string_view item = Trim(v.substr(0, comma));
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
    return out;
  } else if constexpr (std::is_same_v<T, Rate>) {
    return ParseRate(Trim(text));
  } else if constexpr (std::is_same_v<T, Table>) {
    if (Trim(text).empty()) return Table{};
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object()) return std::nullopt;
    Table out;
    for (const auto& [k, item] : json.items()) {
      if (!item.is_string()) return std::nullopt;
      out[k] = item.template get<std::string>();
    }
    return out;
  }
  return std::nullopt;
}

// What a source holds for a member: an enum is read as its name, a list of enums as a list.
template <class T>
struct RawOf {
  using type = T;
};
template <SettingEnum E>
struct RawOf<E> {
  using type = std::string;
};
template <SettingEnum E>
struct RawOf<std::vector<E>> {
  using type = List;
};

std::string NotOneOf(const std::string& value, std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return "\"" + value + "\" is not one of " + out;
}

// Turns what the source held into the member's type: an error message when a name is unknown
// or listed twice, the messages the string checks of Validate give for other keys.
template <class T>
std::string Convert(typename RawOf<T>::type raw, T& out) {
  if constexpr (SettingEnum<T>) {
    auto value = Parse<T>(raw);
    if (!value) return NotOneOf(raw, NamesOf(T{}));
    out = *value;
  } else if constexpr (std::is_same_v<typename RawOf<T>::type, List> && !std::is_same_v<T, List>) {
    using E = typename T::value_type;
    T values;
    for (const auto& item : raw) {
      auto value = Parse<E>(item);
      if (!value) return NotOneOf(item, NamesOf(E{}));
      if (Includes(values, *value)) return "\"" + item + "\" is listed twice";
      values.push_back(*value);
    }
    out = std::move(values);
  } else {
    out = std::move(raw);
  }
  return "";
}

// Sets the member of `d` from a TOML node or an environment text; throws on a wrong type. An
// unknown enum name goes to `invalid`, reported in key order once every source is read (a later
// source may still replace it), as Validate does for a string outside its choices.
template <class Source>
void Assign(const KeyDescriptor& d, const Source& source, const std::string& origin,
            Settings& settings, std::map<std::string, std::string>& invalid) {
  std::visit(
      [&](auto member) {
        using T = typename RawOf<std::remove_cvref_t<decltype(settings.*member)>>::type;
        std::optional<T> value;
        std::string got;
        if constexpr (std::is_same_v<Source, toml::node>) {
          value = FromToml<T>(source);
          got = std::string(TomlTypeName(source.type()));
          if constexpr (std::is_same_v<T, Rate>) {
            if (auto text = source.template value_exact<std::string>()) got = "\"" + *text + "\"";
          }
        } else {
          value = FromEnv<T>(source);
          // Secrets never reach a message; other values help to find the typo.
          got = d.secret ? "a hidden value" : "\"" + std::string(source) + "\"";
        }
        if (!value) {
          throw ConfigError(std::string(d.name), "expected " + std::string(TypeName<T>()) +
                                                     ", got " + got + " (" + origin + ")");
        }
        std::string error = Convert(std::move(*value), settings.*member);
        if (error.empty()) invalid.erase(std::string(d.name));
        else invalid[std::string(d.name)] = std::move(error);
      },
      d.member);
}

// The generic checks every descriptor declares, then the key's own check.
std::string Validate(const KeyDescriptor& d, const Settings& s) {
  auto in_choices = [&](const std::string& v) {
    return std::find(d.choices.begin(), d.choices.end(), v) != d.choices.end();
  };
  auto choices_text = [&] {
    std::string out;
    for (auto c : d.choices) out += (out.empty() ? "" : ", ") + std::string(c);
    return out;
  };
  std::string error = std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(s.*member)>;
        const T& v = s.*member;
        if constexpr (std::is_same_v<T, int64_t>) {
          if (v < d.min) {
            return std::to_string(v) + " is below the minimum " + std::to_string(d.min);
          }
          if (v > d.max) {
            return std::to_string(v) + " is above the maximum " + std::to_string(d.max);
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (!d.choices.empty() && !in_choices(v)) {
            return "\"" + v + "\" is not one of " + choices_text();
          }
        } else if constexpr (std::is_same_v<T, List>) {
          if (!d.choices.empty()) {
            std::set<std::string> seen;
            for (const auto& item : v) {
              if (!in_choices(item)) return "\"" + item + "\" is not one of " + choices_text();
              if (!seen.insert(item).second) return "\"" + item + "\" is listed twice";
            }
          }
        }
        return "";
      },
      d.member);
  if (error.empty() && d.check != nullptr) error = d.check(d, s);
  return error;
}

void AddWarnings(Settings& s) {
  for (const auto& d : Keys()) {
    if (IsNotYetImplemented(d.name) && s.explicitly_set.contains(std::string(d.name))) {
      s.warnings.push_back(std::string(d.name) +
                           " is set but its feature is not in this version; ignored");
    }
  }
  if (s.argon2_memory_kib < 19456) {
    s.warnings.push_back("ARGON2_MEMORY_KIB = " + std::to_string(s.argon2_memory_kib) +
                         " is weaker than OWASP (19456); for tests and benchmarks only");
  }
  if (s.argon2_time_cost < 2) {
    s.warnings.push_back("ARGON2_TIME_COST = " + std::to_string(s.argon2_time_cost) +
                         " is weaker than OWASP (2); for tests and benchmarks only");
  }
  if (!s.test_user_email.empty()) {
    s.warnings.push_back("TEST_USER_EMAIL is set: the review-account backdoor is on (" +
                         s.test_user_email + " logs in with no other credential)");
  }
  if (s.email_backend == "console") {
    s.warnings.push_back(
        "EMAIL_BACKEND: console email backend prints messages to standard output; "
        "development only");
  }
}

}  // namespace

Settings LoadSettings(const std::optional<std::string>& config_file,
                      const std::map<std::string, std::string>& env) {
  Settings settings;
  std::map<std::string, std::string> origin;  // key -> where its value came from
  std::map<std::string, std::string> invalid;  // key -> why its enum value was refused

  if (config_file) {
    const std::string& path = *config_file;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      throw ConfigError("config", "configuration file \"" + path + "\" does not exist");
    }
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      throw ConfigError("config", "\"" + path + "\" line " +
                                      std::to_string(e.source().begin.line) + ", column " +
                                      std::to_string(e.source().begin.column) + ": " +
                                      std::string(e.description()));
    }
    for (const auto& [key, node] : table) {
      std::string name(key.str());
      const KeyDescriptor* d = FindKey(name);
      if (d == nullptr) throw ConfigError(name, "unknown key in \"" + path + "\"");
      origin[name] = "in \"" + path + "\"";
      Assign(*d, node, origin[name], settings, invalid);
      settings.explicitly_set.insert(name);
    }
  }

  for (const auto& [var, value] : env) {
    if (!std::string_view(var).starts_with(kEnvPrefix)) continue;
    std::string name = var.substr(kEnvPrefix.size());
    const KeyDescriptor* d = FindKey(name);
    if (d == nullptr) throw ConfigError(name, "unknown key (environment variable " + var + ")");
    origin[name] = "from environment variable " + var;
    Assign(*d, std::string_view(value), origin[name], settings, invalid);
    settings.explicitly_set.insert(name);
  }

  for (const auto& d : Keys()) {
    std::string name(d.name);
    auto refused = invalid.find(name);
    std::string error = refused != invalid.end() ? refused->second : Validate(d, settings);
    if (error.empty()) continue;
    auto it = origin.find(name);
    throw ConfigError(name, error + (it == origin.end() ? "" : " (" + it->second + ")"));
  }
  AddWarnings(settings);
  return settings;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return out;
}

}  // namespace dfauth::config
