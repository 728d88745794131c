#include "guard/words.hpp"

#include <gtest/gtest.h>

namespace dfauth::guard {
namespace {

using Words = std::vector<std::string>;

TEST(NormalizedWords, SplitsAtNonLettersAndFoldsCase) {
  EXPECT_EQ(NormalizedWords("holy_SHIT_99"), (Words{"holy", "shit"}));
  EXPECT_EQ(NormalizedWords("Jane.Doe-Smith"), (Words{"jane", "doe", "smith"}));
  EXPECT_EQ(NormalizedWords("  "), Words{});
  EXPECT_EQ(NormalizedWords(""), Words{});
}

TEST(NormalizedWords, ReadsLeetCharactersAsLetters) {
  EXPECT_EQ(NormalizedWords("sh1t"), Words{"shit"});
  EXPECT_EQ(NormalizedWords("$h17"), Words{"shit"});
  EXPECT_EQ(NormalizedWords("@55h0le"), Words{"asshole"});
  EXPECT_EQ(NormalizedWords("b4d_a55"), (Words{"bad", "ass"}));
  EXPECT_EQ(NormalizedWords("SH!T"), Words{"shit"});
  // Digits without a l33t reading separate words.
  EXPECT_EQ(NormalizedWords("bob2alice"), (Words{"bob", "alice"}));
  // The other reading: l33t characters separate words too.
  EXPECT_EQ(NormalizedWords("shit1", false), Words{"shit"});
  EXPECT_EQ(NormalizedWords("fuck!you@home", false), (Words{"fuck", "you", "home"}));
  EXPECT_EQ(NormalizedWords("sh1t", false), (Words{"sh", "t"}));
}

TEST(NormalizedWords, StripsAccentsAndFoldsUnicodeCase) {
  EXPECT_EQ(NormalizedWords("Shït"), Words{"shit"});
  EXPECT_EQ(NormalizedWords("ÉCOLE"), Words{"ecole"});
  EXPECT_EQ(NormalizedWords("Scheiße"), Words{"scheisse"});
  EXPECT_EQ(NormalizedWords("ŁÓDŹ"), Words{"lodz"});
  EXPECT_EQ(NormalizedWords("Œuvre"), Words{"oeuvre"});
  EXPECT_EQ(NormalizedWords("SİKTİR"), Words{"siktir"});  // Turkish dotted capital I
  EXPECT_EQ(NormalizedWords("s\xCC\x8Ch\xCC\x88it"), Words{"shit"});  // combining marks (NFD)
  EXPECT_EQ(NormalizedWords("ПИЗДА"), Words{"пизда"});
  EXPECT_EQ(NormalizedWords("Ёбаный"), Words{"ебаный"});
  EXPECT_EQ(NormalizedWords("ΣΟΦΙΑ"), Words{"σοφια"});
}

TEST(NormalizedWords, FullwidthZeroWidthAndSymbols) {
  EXPECT_EQ(NormalizedWords("ｓｈｉｔ"), Words{"shit"});
  EXPECT_EQ(NormalizedWords("sh\xE2\x80\x8Bit"), Words{"shit"});  // zero-width space hides nothing
  EXPECT_EQ(NormalizedWords("sh\xC2\xADit"), Words{"shit"});      // soft hyphen
  EXPECT_EQ(NormalizedWords("love\xF0\x9F\x92\x96peace"), (Words{"love", "peace"}));  // emoji
  EXPECT_EQ(NormalizedWords("a\xE2\x80\x94" "b"), (Words{"a", "b"}));  // em dash
  EXPECT_EQ(NormalizedWords("ab\xFF" "cd"), (Words{"ab", "cd"}));      // invalid UTF-8
  EXPECT_EQ(NormalizedWords("x\xC3"), Words{"x"});                     // truncated sequence
}

TEST(LatinLookalikes, MapsCyrillicOnlyInMixedWords) {
  EXPECT_EQ(LatinLookalikes("\xD1\x95hit"), "shit");  // Cyrillic ѕ + Latin "hit"
  EXPECT_EQ(LatinLookalikes("сука"), "сука");         // all Cyrillic: unchanged
  EXPECT_EQ(LatinLookalikes("shit"), "shit");
}

}  // namespace
}  // namespace dfauth::guard
