// The settings as text: check-config's effective settings, the example TOML file and the
// Markdown configuration reference, all three from the one key table (keys.cpp).

#include <algorithm>
#include <cctype>
#include <limits>
#include <type_traits>

#include "config/keys.hpp"
#include "config/loader.hpp"
#include "net/database_url.hpp"
#include "text/json_string.hpp"

namespace dfauth::config {
namespace {

constexpr std::string_view kMask = "\"********\"";

using List = std::vector<std::string>;
using Table = std::map<std::string, std::string>;

template <class T>
struct IsEnumList : std::false_type {};
template <SettingEnum E>
struct IsEnumList<std::vector<E>> : std::true_type {};

bool IsBareKey(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

std::string RenderList(const List& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + text::JsonString(v[i]);
  return out + "]";
}

// The value of one key as TOML text, secrets masked. Strings are written as JSON string literals:
// a TOML basic string has the same escapes.
std::string Render(const KeyDescriptor& d, const Settings& s) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(s.*member)>;
        const T& v = s.*member;
        if constexpr (std::is_same_v<T, std::string>) {
          if (d.secret && !v.empty()) return std::string(kMask);
          if (member == &Settings::database_url) return text::JsonString(net::MaskDatabaseUrl(v));
          return text::JsonString(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<T, List>) {
          return RenderList(v);
        } else if constexpr (SettingEnum<T>) {
          return text::JsonString(std::string(Name(v)));
        } else if constexpr (IsEnumList<T>::value) {
          return RenderList(Names(v));
        } else if constexpr (std::is_same_v<T, Rate>) {
          return text::JsonString(FormatRate(v));
        } else {
          static_assert(std::is_same_v<T, Table>);
          if (v.empty()) return "{}";
          std::string out = "{ ";
          bool first = true;
          for (const auto& [k, item] : v) {
            out += (first ? "" : ", ") + (IsBareKey(k) ? k : text::JsonString(k)) + " = " +
                   text::JsonString(item);
            first = false;
          }
          return out + " }";
        }
      },
      d.member);
}

/// What the example file and the reference say of a key beyond its doc line.
std::string DocOf(const KeyDescriptor& d, bool example_file) {
  std::string doc(d.doc);
  if (!d.default_text.empty() && example_file) {
    doc += "; default " + std::string(d.default_text) + " (shown: 4 cores)";
  }
  if (IsNotYetImplemented(d.name)) doc += " [not in this version yet: ignored]";
  return doc;
}

// --- the Markdown reference -------------------------------------------------------------------

/// `text` inside a table cell: a `|` would end the cell, also inside backticks (GFM).
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

/// Description text: a `<` would open an HTML tag.
std::string Prose(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '<' ? std::string("&lt;") : std::string(1, c);
  return out;
}

std::string Code(std::string_view text) { return "`" + std::string(text) + "`"; }

std::string CodeList(std::span<const std::string_view> names) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : ", ") + Code(n);
  return out;
}

std::string IntegerRange(const KeyDescriptor& d) {
  constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
  if (d.min != kNoMin && d.max != kNoMax) {
    return "integer, " + std::to_string(d.min) + " to " + std::to_string(d.max);
  }
  if (d.min != kNoMin) return "integer ≥ " + std::to_string(d.min);
  if (d.max != kNoMax) return "integer ≤ " + std::to_string(d.max);
  return "integer";
}

/// The type of a key's value and, for a closed set, its allowed values.
std::string TypeOf(const KeyDescriptor& d) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(std::declval<Settings>().*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return d.choices.empty() ? "string" : "one of " + CodeList(d.choices);
        } else if constexpr (std::is_same_v<T, bool>) {
          return "boolean";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return IntegerRange(d);
        } else if constexpr (std::is_same_v<T, List>) {
          return d.choices.empty() ? "list of strings" : "list of " + CodeList(d.choices);
        } else if constexpr (SettingEnum<T>) {
          return "one of " + CodeList(NamesOf(T{}));
        } else if constexpr (IsEnumList<T>::value) {
          return "list of " + CodeList(NamesOf(typename T::value_type{}));
        } else if constexpr (std::is_same_v<T, Rate>) {
          return "rate";
        } else {
          return "table of strings";
        }
      },
      d.member);
}

constexpr std::string_view kReferenceHead =
    "# Configuration reference\n"
    "\n"
    "<!-- Generated by `df-auth config-reference` from the key table in src/config/keys.cpp; do\n"
    "     not edit. Change the table, rebuild, then run\n"
    "     `build/df-auth config-reference > docs/configuration.md`.\n"
    "     tests/e2e/test_config_reference.py fails when this file and the binary differ. -->\n"
    "\n"
    "df-auth reads one TOML file (`--config FILE`, default `./df-auth.toml` when it exists) and\n"
    "the `DF_AUTH_<KEY>` environment variables. The environment wins over the file, the file over\n"
    "the defaults. An unknown key, a wrong type or a bad value stops the command at start with\n"
    "exit code 2 and a message that names the key; `df-auth check-config` validates a\n"
    "configuration and prints the effective settings, secrets masked.\n"
    "`configs/df-auth.example.toml` lists the same keys as a file to copy.\n"
    "\n"
    "Values in an environment variable:\n"
    "\n"
    "- string: as it is;\n"
    "- boolean: `true`, `false`, `1` or `0` (any case);\n"
    "- integer: decimal; durations are in seconds;\n"
    "- list: comma-separated items (`a,b`), or a JSON array when an item contains a comma\n"
    "  (`[\"^a,b$\", \"c\"]`); an empty value is an empty list;\n"
    "- table: a JSON object of strings (`{\"email\": \"EmailField\"}`); an empty value is `{}`;\n"
    "- rate: `N/` followed by `s`, `sec`, `second`, `m`, `min`, `minute`, `h`, `hour`, `d` or\n"
    "  `day` (`100/min`), or `off`.\n"
    "\n"
    "Defaults are written as TOML values. A secret key's value is masked by `check-config`.\n"
    "\n"
    "| Key | Environment variable | Type | Default | Secret | Description |\n"
    "|---|---|---|---|---|---|\n";

}  // namespace

std::string FormatEffective(const Settings& settings) {
  std::string out;
  for (const auto& d : Keys()) {
    out += std::string(d.name) + " = " + Render(d, settings) + "\n";
  }
  return out;
}

std::string ExampleToml() {
  std::string out =
      "# df-auth configuration: every key, commented out with its default.\n"
      "# Uncomment a line to change it. Each key can also be set by the environment variable\n"
      "# DF_AUTH_<KEY>, which wins over this file: lists comma-separated (or a JSON array),\n"
      "# booleans true/false/1/0, durations in seconds, tables as a JSON object.\n"
      "# Generated by dfauth::config::ExampleToml(); a unit test keeps the two in sync.\n";
  const Settings defaults;
  for (const auto& d : Keys()) {
    std::string value = d.example.empty() ? Render(d, defaults) : std::string(d.example);
    out += "\n# " + DocOf(d, true) + "\n# " + std::string(d.name) + " = " + value + "\n";
  }
  return out;
}

std::string ConfigReference() {
  std::string out(kReferenceHead);
  const Settings defaults;
  for (const auto& d : Keys()) {
    const std::string name(d.name);
    const std::string default_value =
        d.default_text.empty() ? Code(Render(d, defaults)) : std::string(d.default_text);
    out += "| " + Code(name) + " | " + Code("DF_AUTH_" + name) + " | " + Cell(TypeOf(d)) + " | " +
           Cell(default_value) + " | " + (d.secret ? "yes" : "no") + " | " +
           Cell(Prose(DocOf(d, false))) + " |\n";
  }
  return out;
}

}  // namespace dfauth::config
