#pragma once
// Breached passwords offline (issue 16 item 5): a Bloom filter of Have I Been Pwned's SHA-1 list
// (or of a plain password list), built by `df-auth passwords build-filter` and memory-mapped
// read-only by the server (PASSWORD_BREACHED_FILTER), so a 3 GB filter costs the server's RSS
// only the pages a check touches.
//
// File layout (little-endian): a 48-byte header, zero padding up to byte 4096, then the bit
// array as 64-bit words (bit i is bit i%64 of word i/64).
//   0  magic "DFABLOOM"   8  u32 version (1)   12 u32 hash count k   16 u64 bit count m
//   24 u64 item count    32 u64 data offset (4096)   40 u64 checksum: the first 8 bytes of
//   SHA-256 of bytes 0..39, read little-endian.
// Indices: SHA-1 of the password (the bytes behind HIBP's upper-case hex); h1, h2 = its bytes
// 0..7 and 8..15 as little-endian u64; index_i = (h1 + i·h2) mod m, i < k (Kirsch–Mitzenmacher).

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dfauth::identity {

/// Why a filter file cannot be used (missing, truncated, another format): the message names
/// the path and the fault, for the operator.
class BreachedFilterError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bit count and hash count of a Bloom filter holding `items` with false-positive rate `fp_rate`
/// (0 < fp_rate < 1): m = ⌈−n·ln p / ln²2⌉, k = round(m/n · ln 2), both at least 1.
struct BloomShape {
  uint64_t bits = 0;
  uint32_t hashes = 0;
};
BloomShape ShapeFor(uint64_t items, double fp_rate);

/// A filter file mapped read-only (MAP_SHARED): nothing is read at open beyond the header, and
/// a check reads k words. Safe to share between threads.
class BreachedFilter {
 public:
  /// Maps `path`; throws BreachedFilterError when it is missing, unreadable, truncated (size
  /// other than the header says), or of another format (magic, version, header checksum).
  static std::unique_ptr<BreachedFilter> Open(const std::string& path);
  ~BreachedFilter();
  BreachedFilter(const BreachedFilter&) = delete;
  BreachedFilter& operator=(const BreachedFilter&) = delete;

  /// Whether `password` is (probably) on the list: true for every listed password, and for
  /// others with the false-positive rate the filter was built for.
  bool Contains(std::string_view password) const;
  /// The same for a 20-byte SHA-1 digest.
  bool ContainsSha1(std::string_view digest) const;

  uint64_t Bits() const { return bits_; }
  uint32_t Hashes() const { return hashes_; }
  uint64_t Items() const { return items_; }
  uint64_t FileBytes() const { return size_; }

 private:
  BreachedFilter() = default;
  const unsigned char* map_ = nullptr;
  uint64_t size_ = 0;
  uint64_t bits_ = 0;
  uint32_t hashes_ = 0;
  uint64_t items_ = 0;
};

enum class BreachedListFormat { kAuto, kHibp, kPlain };

struct BuildFilterOptions {
  double fp_rate = 1e-6;
  /// kAuto: HIBP when the first non-empty line is 40 hex digits, optionally `:COUNT`; else plain
  /// (one password a line, a trailing CR dropped, empty lines skipped).
  BreachedListFormat format = BreachedListFormat::kAuto;
  /// Called now and then with the pass (1: counting, 2: inserting), bytes read and the input's size.
  std::function<void(int pass, uint64_t done, uint64_t total)> progress;
};

struct BuildFilterResult {
  uint64_t items = 0;
  BloomShape shape;
  uint64_t file_bytes = 0;
  BreachedListFormat format = BreachedListFormat::kAuto;  ///< the one read (never kAuto)
};

/// Streams `input` twice (count, then insert) and writes the filter to `output` through a
/// temporary file in the same directory renamed over it (a reader never sees half a filter).
/// Throws std::runtime_error naming the file and line of a bad HIBP line, or an I/O failure.
BuildFilterResult BuildBreachedFilter(const std::string& input, const std::string& output,
                                      const BuildFilterOptions& options);

}  // namespace dfauth::identity
