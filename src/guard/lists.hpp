#pragma once
// The guard's word and domain lists: the shipped ones (embedded from src/guard/data/*.txt)
// and BLACKLIST_EMAIL_DOMAINS_FILE.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace dfauth::guard {

/// The shipped disposable-mail domain list, as the text of disposable_email_domains.txt.
std::string_view DisposableDomainsText();
/// The shipped offensive-word list, as the text of offensive_words.txt.
std::string_view OffensiveWordsText();

/// The entries of a list file: one per line, UTF-8; surrounding blanks and a CR are trimmed;
/// blank lines and lines starting with '#' are skipped (interface.md §4).
std::vector<std::string_view> ListEntries(std::string_view text);

/// Mail domains, matched with every parent domain ("a.b.mailinator.com" is at mailinator.com).
class DomainSet {
 public:
  DomainSet() = default;
  /// The entries of `text` (ListEntries), ASCII lower-cased, without a leading "*." or "." or a
  /// trailing ".".
  explicit DomainSet(std::string text);
  /// The shipped disposable-mail list, read in place from the binary's static data: 120k
  /// entries, indexed at 8 bytes each, with no copy of the text.
  static DomainSet Shipped();

  /// Whether `domain` or one of its parent domains is in the set (ASCII case-insensitive).
  bool ContainsOrParent(std::string_view domain) const;
  std::size_t Size() const noexcept { return sorted_.size(); }

 private:
  struct Entry {
    uint32_t offset;
    uint32_t size;
  };
  void Index();  // sorted_ from text_
  std::string_view At(Entry e) const { return text_.substr(e.offset, e.size); }

  std::unique_ptr<std::string> storage_;  // the lower-cased text, when it is ours (stays put on a move)
  std::string_view text_;                 // *storage_, or static data
  std::vector<Entry> sorted_;             // the entries, sorted and unique
};

/// Normalised words (NormalizedWords of each entry of a list text).
std::unordered_set<std::string> WordSet(std::string_view text);

}  // namespace dfauth::guard
