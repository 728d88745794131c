#pragma once
// The guard's word and domain lists: the shipped ones (embedded from src/guard/data/*.txt)
// and BLACKLIST_EMAIL_DOMAINS_FILE.

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
  explicit DomainSet(std::string_view text);

  /// Whether `domain` or one of its parent domains is in the set (ASCII case-insensitive).
  bool ContainsOrParent(std::string_view domain) const;
  std::size_t Size() const noexcept { return sorted_.size(); }

 private:
  // The lower-cased list text, on the heap so that the views survive a move.
  std::unique_ptr<std::string> storage_ = std::make_unique<std::string>();
  std::vector<std::string_view> sorted_;  // views of the entries in *storage_, sorted
};

/// Normalised words (NormalizedWords of each entry of a list text).
std::unordered_set<std::string> WordSet(std::string_view text);

}  // namespace dfauth::guard
