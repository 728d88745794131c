#include "guard/words.hpp"

#include <cstdint>

namespace dfauth::guard {
namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFF;

/// Decodes one code point at `i` (advancing it); kInvalid for a malformed sequence.
uint32_t NextCodePoint(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  int length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > s.size()) {
    ++i;
    return kInvalid;
  }
  uint32_t cp = length == 1 ? c : c & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  return cp;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// U+00C0..U+00FF folded to ASCII; "" marks the two non-letters (× and ÷).
constexpr const char* kLatin1[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "y"};

// U+0100..U+017F (Latin Extended-A) folded to one ASCII letter each; '#' marks the ligatures
// Ĳ ĳ Œ œ, spelled out below.
constexpr std::string_view kLatinExtendedA =
    "aaaaaacccccccc"
    "ddddeeeeeeeeeeggggggggh"
    "hhhiiiiiiiiii##jjkkkllllllllll"
    "nnnnnnnnnoooooo##rrrrrrsssssssstttttt"
    "uuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(kLatinExtendedA.size() == 128);

enum class Kind { kLetters, kIgnore, kSeparator };

/// What code point `cp` contributes to a word: folded letters appended to `out`, nothing, or a
/// word boundary.
Kind Fold(uint32_t cp, bool leet, std::string& out) {
  if (cp >= 'A' && cp <= 'Z') return out += static_cast<char>(cp - 'A' + 'a'), Kind::kLetters;
  if (cp >= 'a' && cp <= 'z') return out += static_cast<char>(cp), Kind::kLetters;
  if (cp >= 0xFF21 && cp <= 0xFF3A) return out += static_cast<char>(cp - 0xFF21 + 'a'), Kind::kLetters;
  if (cp >= 0xFF41 && cp <= 0xFF5A) return out += static_cast<char>(cp - 0xFF41 + 'a'), Kind::kLetters;
  if (cp >= 0xFF10 && cp <= 0xFF19) cp = cp - 0xFF10 + '0';  // fullwidth digits: l33t below
  if (!leet && (cp == '0' || cp == '1' || cp == '!' || cp == '3' || cp == '4' || cp == '@' ||
                cp == '5' || cp == '$' || cp == '7')) {
    return Kind::kSeparator;
  }
  switch (cp) {  // l33t
    case '0': return out += 'o', Kind::kLetters;
    case '1': case '!': return out += 'i', Kind::kLetters;
    case '3': return out += 'e', Kind::kLetters;
    case '4': case '@': return out += 'a', Kind::kLetters;
    case '5': case '$': return out += 's', Kind::kLetters;
    case '7': return out += 't', Kind::kLetters;
    default: break;
  }
  if (cp < 0xC0) return cp == 0xAD ? Kind::kIgnore : Kind::kSeparator;  // soft hyphen hides nothing
  if (cp <= 0xFF) {
    const char* folded = kLatin1[cp - 0xC0];
    if (*folded == '\0') return Kind::kSeparator;
    return out += folded, Kind::kLetters;
  }
  if (cp <= 0x17F) {
    char c = kLatinExtendedA[cp - 0x100];
    if (c != '#') return out += c, Kind::kLetters;
    return out += (cp <= 0x133 ? "ij" : "oe"), Kind::kLetters;
  }
  if (cp >= 0x218 && cp <= 0x21B) return out += (cp <= 0x219 ? 's' : 't'), Kind::kLetters;  // ș ț
  if (cp >= 0x300 && cp <= 0x36F) return Kind::kIgnore;  // combining accents (decomposed input)
  if (cp >= 0x391 && cp <= 0x3A9) cp += 0x20;             // Greek capitals
  if (cp >= 0x400 && cp <= 0x40F) cp += 0x50;             // Cyrillic Ѐ..Џ
  if (cp >= 0x410 && cp <= 0x42F) cp += 0x20;             // Cyrillic А..Я
  if (cp == 0x451) cp = 0x435;                            // ё → е
  if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
      (cp >= 0xFE00 && cp <= 0xFE0F)) {
    return Kind::kIgnore;  // zero-width and format characters
  }
  // Punctuation, symbols, CJK punctuation, fullwidth ASCII punctuation, emoji and the rest of
  // the supplementary symbol planes separate words; everything else counts as a letter.
  if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
      (cp >= 0xFF00 && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
      (cp >= 0xFF5B && cp <= 0xFF65) || cp >= 0x1F000) {
    return Kind::kSeparator;
  }
  AppendUtf8(out, cp);
  return Kind::kLetters;
}

}  // namespace

std::vector<std::string> NormalizedWords(std::string_view text, bool leet_as_letters) {
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 0; i < text.size();) {
    uint32_t cp = NextCodePoint(text, i);
    if (cp == kInvalid || Fold(cp, leet_as_letters, word) == Kind::kSeparator) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string LatinLookalikes(std::string_view word) {
  bool latin = false;
  bool cyrillic = false;
  for (std::size_t i = 0; i < word.size();) {
    uint32_t cp = NextCodePoint(word, i);
    if (cp < 0x80) latin = true;
    if (cp >= 0x400 && cp <= 0x4FF) cyrillic = true;
  }
  if (!latin || !cyrillic) return std::string(word);
  std::string out;
  for (std::size_t i = 0; i < word.size();) {
    uint32_t cp = NextCodePoint(word, i);
    switch (cp) {
      case 0x430: out += 'a'; break;  // а
      case 0x435: out += 'e'; break;  // е
      case 0x43E: out += 'o'; break;  // о
      case 0x440: out += 'p'; break;  // р
      case 0x441: out += 'c'; break;  // с
      case 0x443: out += 'y'; break;  // у
      case 0x445: out += 'x'; break;  // х
      case 0x456: out += 'i'; break;  // і
      case 0x455: out += 's'; break;  // ѕ
      case 0x458: out += 'j'; break;  // ј
      case 0x43A: out += 'k'; break;  // к
      default: AppendUtf8(out, cp);
    }
  }
  return out;
}

}  // namespace dfauth::guard
