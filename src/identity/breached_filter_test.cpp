#include "identity/breached_filter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/primitives.hpp"
#include "identity/password_policy.hpp"

namespace dfauth::identity {
namespace {

namespace fs = std::filesystem;

std::string Member(int i) { return "member-password-" + std::to_string(i); }
std::string Stranger(int i) { return "never-listed-" + std::to_string(i) + "-x"; }

std::string UpperHex(std::string_view bytes) {
  std::string hex = crypto::HexEncode(bytes);
  for (char& c : hex)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return hex;
}

class BreachedFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("df-auth-breached-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string PathOf(const std::string& name) const { return (dir_ / name).string(); }

  /// A plain list of `n` members (CRLF line ends on odd lines, as lists from Windows have).
  std::string PlainList(int n) const {
    const std::string path = PathOf("plain.txt");
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < n; ++i) out << Member(i) << (i % 2 ? "\r\n" : "\n");
    return path;
  }

  /// HIBP's format: upper-case SHA-1, ':' and a count, CRLF line ends, no newline at the end.
  std::string HibpList(int n) const {
    const std::string path = PathOf("hibp.txt");
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < n; ++i)
      out << (i ? "\r\n" : "") << UpperHex(crypto::Sha1(Member(i))) << ":" << (i % 977 + 1);
    return path;
  }

  std::string Build(const std::string& list, double fp, BuildFilterResult* result = nullptr) const {
    const std::string out = PathOf("filter.bin");
    BuildFilterOptions options;
    options.fp_rate = fp;
    BuildFilterResult r = BuildBreachedFilter(list, out, options);
    if (result) *result = r;
    return out;
  }

  /// The message Open throws for `path`, empty when it opened.
  static std::string OpenError(const std::string& path) {
    try {
      BreachedFilter::Open(path);
    } catch (const BreachedFilterError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST(BloomShape, FollowsTheTextbookFormulas) {
  const BloomShape full = ShapeFor(1'000'000, 1e-6);
  EXPECT_EQ(full.bits, 28'755'176u);
  EXPECT_EQ(full.hashes, 20u);
  const BloomShape small = ShapeFor(100'000, 1e-3);
  EXPECT_EQ(small.bits, 1'437'759u);
  EXPECT_EQ(small.hashes, 10u);
  EXPECT_THROW(ShapeFor(10, 0.0), std::invalid_argument);
  EXPECT_THROW(ShapeFor(10, 1.0), std::invalid_argument);
}

TEST_F(BreachedFilterTest, EveryMemberOfAPlainListIsFound) {
  BuildFilterResult r;
  const std::string path = Build(PlainList(50'000), 1e-6, &r);
  EXPECT_EQ(r.format, BreachedListFormat::kPlain);
  EXPECT_EQ(r.items, 50'000u);
  EXPECT_EQ(r.shape.bits, ShapeFor(50'000, 1e-6).bits);
  EXPECT_EQ(r.file_bytes, 4096 + (r.shape.bits + 63) / 64 * 8);
  EXPECT_EQ(fs::file_size(path), r.file_bytes);
  auto filter = BreachedFilter::Open(path);
  EXPECT_EQ(filter->Items(), 50'000u);
  EXPECT_EQ(filter->Hashes(), 20u);
  for (int i = 0; i < 50'000; ++i) ASSERT_TRUE(filter->Contains(Member(i))) << Member(i);
  EXPECT_FALSE(filter->Contains("member-password-50000\r"));
}

TEST_F(BreachedFilterTest, EveryMemberOfAnHibpListIsFoundByPassword) {
  BuildFilterResult r;
  const std::string path = Build(HibpList(20'000), 1e-6, &r);
  EXPECT_EQ(r.format, BreachedListFormat::kHibp);
  EXPECT_EQ(r.items, 20'000u);
  auto filter = BreachedFilter::Open(path);
  for (int i = 0; i < 20'000; ++i) ASSERT_TRUE(filter->Contains(Member(i))) << Member(i);
  EXPECT_TRUE(filter->ContainsSha1(crypto::Sha1(Member(7))));
  EXPECT_FALSE(filter->Contains(Stranger(1)));
}

TEST_F(BreachedFilterTest, FalsePositiveRateOverAMillionNonMembersIsWithinTwiceTheTarget) {
  const double target = 1e-3;
  auto filter = BreachedFilter::Open(Build(PlainList(100'000), target));
  int hits = 0;
  for (int i = 0; i < 1'000'000; ++i) hits += filter->Contains(Stranger(i)) ? 1 : 0;
  const double measured = hits / 1e6;
  RecordProperty("false_positives", hits);
  EXPECT_GT(measured, target / 2) << hits;
  EXPECT_LT(measured, target * 2) << hits;
}

TEST_F(BreachedFilterTest, ABadHibpLineNamesItsLineAndLeavesNoFile) {
  const std::string list = PathOf("bad.txt");
  std::ofstream(list, std::ios::binary) << UpperHex(crypto::Sha1("a")) << ":3\n"
                                        << UpperHex(crypto::Sha1("b")) << ":x\n";
  try {
    Build(list, 1e-6);
    FAIL() << "built from a bad line";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), list + ":2: not an HIBP line (40 hex digits, optionally :COUNT)");
  }
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) files += entry.path() != list ? 1 : 0;
  EXPECT_EQ(files, 0);  // neither the filter nor its temporary file
}

TEST_F(BreachedFilterTest, MissingTruncatedAndForeignFilesAreRefused) {
  EXPECT_EQ(OpenError(PathOf("absent.bin")),
            "cannot open \"" + PathOf("absent.bin") + "\": No such file or directory");

  const std::string good = Build(PlainList(1000), 1e-6);
  const auto size = fs::file_size(good);
  const std::string cut = PathOf("cut.bin");
  fs::copy_file(good, cut);
  fs::resize_file(cut, size - 1);
  EXPECT_EQ(OpenError(cut), "\"" + cut + "\" is not a breached-password filter of df-auth: truncated or padded: " +
                                std::to_string(size - 1) + " bytes, the header says " + std::to_string(size));
  fs::resize_file(cut, 20);
  EXPECT_EQ(OpenError(cut),
            "\"" + cut + "\" is not a breached-password filter of df-auth: shorter than its header (20 bytes)");

  const std::string garbage = PathOf("garbage.bin");
  std::ofstream(garbage, std::ios::binary) << crypto::RandomBytes(8192);
  EXPECT_EQ(OpenError(garbage), "\"" + garbage + "\" is not a breached-password filter of df-auth: unknown format (no DFABLOOM magic)");
  const std::string list = PlainList(10);  // the list given where the filter belongs
  EXPECT_EQ(OpenError(list), "\"" + list + "\" is not a breached-password filter of df-auth: unknown format (no DFABLOOM magic)");
}

TEST_F(BreachedFilterTest, AChangedHeaderFailsItsChecksum) {
  const std::string path = Build(PlainList(1000), 1e-6);
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[24] = static_cast<char>(bytes[24] ^ 1);  // the item count
  const std::string changed = PathOf("changed.bin");
  std::ofstream(changed, std::ios::binary) << bytes;
  EXPECT_EQ(OpenError(changed), "\"" + changed + "\" is not a breached-password filter of df-auth: header checksum mismatch");
  EXPECT_EQ(OpenError(path), "");
}

TEST_F(BreachedFilterTest, ThePasswordPolicyRefusesAListedPassword) {
  auto filter = BreachedFilter::Open(Build(PlainList(100), 1e-6));
  EXPECT_EQ(CheckPassword(Member(42), 8, filter.get()),
            (PasswordProblem{"password_breached", "This password has appeared in a data breach; choose another."}));
  EXPECT_EQ(CheckPassword(Stranger(42), 8, filter.get()), std::nullopt);
  EXPECT_EQ(CheckPassword(Member(42), 8), std::nullopt);  // no filter configured
  // Django's rules come first: a short listed password is "too short".
  EXPECT_EQ(CheckPassword(Member(42), 40, filter.get())->code, "invalid");
}

}  // namespace
}  // namespace dfauth::identity
