#include "guard/lists.hpp"

#include <algorithm>

#include "guard/words.hpp"

namespace dfauth::guard {
namespace {

// The .inc files are generated from the .txt files by data/update.sh (the .txt files are the
// single source; guard_tests checks that the two agree).
// Arrays, not string_views: a constexpr strlen over 1.8 MB exceeds the compiler's limits.
constexpr char kDisposableDomains[] =
#include "guard/data/disposable_email_domains.inc"
    ;
constexpr char kOffensiveWords[] =
#include "guard/data/offensive_words.inc"
    ;

std::string_view Trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string_view DisposableDomainsText() { return {kDisposableDomains, sizeof kDisposableDomains - 1}; }
std::string_view OffensiveWordsText() { return {kOffensiveWords, sizeof kOffensiveWords - 1}; }

std::vector<std::string_view> ListEntries(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.front() != '#') out.push_back(line);
  }
  return out;
}

DomainSet::DomainSet(std::string_view text) {
  // One copy, lower-cased in place; the entries are views into it (the shipped list has 120k).
  storage_ = std::make_unique<std::string>(text);
  for (char& c : *storage_) c = LowerAscii(c);
  for (std::string_view entry : ListEntries(*storage_)) {
    if (entry.starts_with("*.")) entry.remove_prefix(2);
    while (entry.starts_with('.')) entry.remove_prefix(1);
    while (entry.ends_with('.')) entry.remove_suffix(1);
    if (!entry.empty()) sorted_.push_back(entry);
  }
  if (!std::is_sorted(sorted_.begin(), sorted_.end())) std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
}

bool DomainSet::ContainsOrParent(std::string_view domain) const {
  if (sorted_.empty()) return false;
  std::string lowered;
  for (char c : domain) lowered += LowerAscii(c);
  std::string_view rest = lowered;
  while (rest.ends_with('.')) rest.remove_suffix(1);
  while (!rest.empty()) {
    if (std::binary_search(sorted_.begin(), sorted_.end(), rest)) return true;
    std::size_t dot = rest.find('.');
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return false;
}

std::unordered_set<std::string> WordSet(std::string_view text) {
  std::unordered_set<std::string> out;
  for (std::string_view entry : ListEntries(text)) {
    for (auto& word : NormalizedWords(entry)) out.insert(std::move(word));
  }
  return out;
}

}  // namespace dfauth::guard
