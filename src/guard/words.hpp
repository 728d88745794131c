#pragma once
// Username words as BLACKLIST_USERNAME_WORDS compares them (interface.md §6): folded so that
// case, accents, look-alike alphabets and l33t digits do not hide a listed word.

#include <string>
#include <string_view>
#include <vector>

namespace dfauth::guard {

/// The words of `text` (UTF-8): Latin and Cyrillic case folded, accents stripped (é→e, ß→ss),
/// fullwidth forms narrowed, zero-width characters dropped, split at every other non-letter;
/// invalid UTF-8 splits. With `leet_as_letters` the l33t characters read as letters (0→o 1→i
/// !→i 3→e 4→a @→a 5→s $→s 7→t: "sh1t"), else they split too ("shit1"): check both readings.
std::vector<std::string> NormalizedWords(std::string_view text, bool leet_as_letters = true);

/// `word` with Cyrillic letters that look Latin (а е о р с у х і ѕ ј к) read as Latin, when it
/// mixes both alphabets ("ѕhit"); otherwise `word` unchanged.
std::string LatinLookalikes(std::string_view word);

}  // namespace dfauth::guard
