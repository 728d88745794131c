#include "guard/lists.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dfauth::guard {
namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(DFAUTH_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ListEntries, SkipsBlankLinesAndComments) {
  auto entries = ListEntries("\xEF\xBB\xBF# header\n\nspam.example\r\n  # indented comment\n\t other.example \n#x\nlast");
  EXPECT_EQ(entries, (std::vector<std::string_view>{"spam.example", "other.example", "last"}));
  EXPECT_TRUE(ListEntries("").empty());
  EXPECT_TRUE(ListEntries("# only\n\n").empty());
}

TEST(DomainSet, MatchesTheDomainAndEveryParent) {
  DomainSet set("# comment\nMailinator.com\n*.wild.example\n.dot.example\ntrailing.example.\n\n");
  EXPECT_EQ(set.Size(), 4u);
  EXPECT_TRUE(set.ContainsOrParent("mailinator.com"));
  EXPECT_TRUE(set.ContainsOrParent("MAILINATOR.COM"));
  EXPECT_TRUE(set.ContainsOrParent("sub.mailinator.com"));
  EXPECT_TRUE(set.ContainsOrParent("a.b.mailinator.com."));
  EXPECT_FALSE(set.ContainsOrParent("notmailinator.com"));
  EXPECT_FALSE(set.ContainsOrParent("mailinator.com.evil.org"));
  EXPECT_FALSE(set.ContainsOrParent("com"));
  EXPECT_TRUE(set.ContainsOrParent("x.wild.example"));
  EXPECT_TRUE(set.ContainsOrParent("dot.example"));
  EXPECT_TRUE(set.ContainsOrParent("trailing.example"));
  EXPECT_FALSE(set.ContainsOrParent(""));
  EXPECT_FALSE(DomainSet().ContainsOrParent("mailinator.com"));
}

TEST(DomainSet, OwnsItsTextAndSortsAndDeduplicates) {
  std::string text = "b.io\nA.io\nb.io\n*.a.io\n";
  DomainSet set(text);
  text.assign(text.size(), 'z');  // the set keeps its own copy
  EXPECT_EQ(set.Size(), 2u);
  EXPECT_TRUE(set.ContainsOrParent("a.io"));
  EXPECT_TRUE(set.ContainsOrParent("x.B.io"));
  EXPECT_FALSE(set.ContainsOrParent("c.io"));
  EXPECT_FALSE(set.ContainsOrParent("io"));
}

TEST(DomainSet, SurvivesAMove) {
  DomainSet small("a.io\n");
  DomainSet moved = std::move(small);
  EXPECT_TRUE(moved.ContainsOrParent("x.a.io"));
}

TEST(ShippedLists, DisposableDomainsAreEmbeddedFromTheDataFile) {
  // The .inc is generated from the .txt (data/update.sh): the embedded text must be the file.
  EXPECT_EQ(DisposableDomainsText(), ReadSource("src/guard/data/disposable_email_domains.txt"));
  DomainSet shipped = DomainSet::Shipped();
  EXPECT_GT(shipped.Size(), 100000u);
  EXPECT_TRUE(shipped.ContainsOrParent("mailinator.com"));
  EXPECT_TRUE(shipped.ContainsOrParent("sub.mailinator.com"));
  EXPECT_TRUE(shipped.ContainsOrParent("10minutemail.com"));
  EXPECT_TRUE(shipped.ContainsOrParent("guerrillamail.com"));
  for (const char* ok : {"gmail.com", "outlook.com", "yahoo.com", "example.com", "protonmail.com"}) {
    EXPECT_FALSE(shipped.ContainsOrParent(ok)) << ok;
  }
}

TEST(ShippedLists, OffensiveWordsAreEmbeddedFromTheDataFile) {
  EXPECT_EQ(OffensiveWordsText(), ReadSource("src/guard/data/offensive_words.txt"));
  auto words = WordSet(OffensiveWordsText());
  EXPECT_GT(words.size(), 300u);
  EXPECT_TRUE(words.contains("shit"));
  EXPECT_TRUE(words.contains("scheisse"));
  EXPECT_TRUE(words.contains("хуй"));
  EXPECT_TRUE(words.contains("ебаный"));  // ё folded in the list too
  EXPECT_FALSE(words.contains("scunthorpe"));
}

}  // namespace
}  // namespace dfauth::guard
