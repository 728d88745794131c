#include "guard/lists.hpp"

#include <algorithm>
#include <stdexcept>

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

DomainSet::DomainSet(std::string text) : storage_(std::make_unique<std::string>(std::move(text))) {
  for (char& c : *storage_) c = LowerAscii(c);
  text_ = *storage_;
  Index();
}

DomainSet DomainSet::Shipped() {
  DomainSet set;
  set.text_ = DisposableDomainsText();
  set.Index();
  // The list is kept in lower case (its comments need not be); were an entry not, the list is
  // taken as any other text.
  for (Entry e : set.sorted_) {
    std::string_view entry = set.At(e);
    if (std::any_of(entry.begin(), entry.end(), [](char c) { return c != LowerAscii(c); })) {
      return DomainSet(std::string(DisposableDomainsText()));
    }
  }
  return set;
}

void DomainSet::Index() {
  if (text_.size() > UINT32_MAX) throw std::length_error("domain list larger than 4 GiB");
  const std::vector<std::string_view> entries = ListEntries(text_);
  sorted_.reserve(entries.size());
  for (std::string_view entry : entries) {
    if (entry.starts_with("*.")) entry.remove_prefix(2);
    while (entry.starts_with('.')) entry.remove_prefix(1);
    while (entry.ends_with('.')) entry.remove_suffix(1);
    if (entry.empty()) continue;
    sorted_.push_back({static_cast<uint32_t>(entry.data() - text_.data()),
                       static_cast<uint32_t>(entry.size())});
  }
  auto less = [this](Entry a, Entry b) { return At(a) < At(b); };
  if (!std::is_sorted(sorted_.begin(), sorted_.end(), less)) {
    std::sort(sorted_.begin(), sorted_.end(), less);
  }
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end(),
                            [this](Entry a, Entry b) { return At(a) == At(b); }),
                sorted_.end());
  sorted_.shrink_to_fit();
}

bool DomainSet::ContainsOrParent(std::string_view domain) const {
  if (sorted_.empty()) return false;
  std::string lowered;
  for (char c : domain) lowered += LowerAscii(c);
  std::string_view rest = lowered;
  while (rest.ends_with('.')) rest.remove_suffix(1);
  while (!rest.empty()) {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), rest,
                               [this](Entry e, std::string_view key) { return At(e) < key; });
    if (it != sorted_.end() && At(*it) == rest) return true;
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
