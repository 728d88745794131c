#include "identity/breached_filter.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "crypto/primitives.hpp"

namespace dfauth::identity {
namespace {

constexpr char kMagic[8] = {'D', 'F', 'A', 'B', 'L', 'O', 'O', 'M'};
constexpr uint32_t kVersion = 1;
constexpr uint64_t kDataOffset = 4096;
constexpr std::size_t kHeaderBytes = 48;
constexpr std::size_t kChecksummed = 40;
constexpr uint32_t kMaxHashes = 64;

uint64_t Load64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint32_t Load32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}
void Store64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void Store32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}

uint64_t HeaderChecksum(const unsigned char* header) {
  const std::string digest = crypto::Sha256(std::string_view(reinterpret_cast<const char*>(header), kChecksummed));
  return Load64(reinterpret_cast<const unsigned char*>(digest.data()));
}

/// Bytes of the bit array: whole 64-bit words.
uint64_t DataBytes(uint64_t bits) { return (bits + 63) / 64 * 8; }

/// Calls `visit(index)` for the k indices of a 20-byte SHA-1 digest.
template <typename Visit>
bool ForEachIndex(const unsigned char* digest, uint64_t bits, uint32_t hashes, Visit visit) {
  uint64_t index = Load64(digest) % bits;
  uint64_t step = Load64(digest + 8) % bits;
  if (step == 0) step = 1;
  for (uint32_t i = 0; i < hashes; ++i) {
    if (!visit(index)) return false;
    index += step;
    if (index >= bits) index -= bits;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// The 20 bytes of an HIBP line `HEX40[:COUNT]`, false when it is not one.
bool ParseHibpLine(std::string_view line, unsigned char* digest) {
  if (line.size() < 40) return false;
  for (int i = 0; i < 20; ++i) {
    const int hi = HexValue(line[2 * i]), lo = HexValue(line[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    digest[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  std::string_view rest = line.substr(40);
  if (rest.empty()) return true;
  if (rest.front() != ':' || rest.size() == 1) return false;
  for (char c : rest.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " \"" + path + "\": " + std::strerror(errno);
}

/// Reads `path` line by line (without the newline and a trailing CR), skipping empty lines.
/// `on_line(line, number)` returns false to stop.
template <typename OnLine>
void ForEachLine(const std::string& path, int pass, const BuildFilterOptions& options, OnLine on_line) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(Errno("cannot open", path));
  struct stat st {};
  ::fstat(fd, &st);
  const auto total = static_cast<uint64_t>(st.st_size);
  std::vector<char> buffer(1 << 20);
  std::string carry;
  uint64_t done = 0, number = 0, next_report = 0;
  auto emit = [&](std::string_view line) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;
    return on_line(line, number);
  };
  bool going = true;
  while (going) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string error = Errno("cannot read", path);
      ::close(fd);
      throw std::runtime_error(error);
    }
    if (n == 0) break;
    done += static_cast<uint64_t>(n);
    std::string_view chunk(buffer.data(), static_cast<std::size_t>(n));
    while (going) {
      const std::size_t newline = chunk.find('\n');
      if (newline == std::string_view::npos) {
        carry.append(chunk);
        break;
      }
      if (carry.empty()) {
        going = emit(chunk.substr(0, newline));
      } else {
        carry.append(chunk.substr(0, newline));
        going = emit(carry);
        carry.clear();
      }
      chunk.remove_prefix(newline + 1);
    }
    if (options.progress && done >= next_report) {
      options.progress(pass, done, total);
      next_report = done + (64u << 20);
    }
  }
  ::close(fd);
  if (going && !carry.empty()) emit(carry);
  if (options.progress) options.progress(pass, total, total);
}

BreachedListFormat DetectFormat(const std::string& input, const BuildFilterOptions& options) {
  if (options.format != BreachedListFormat::kAuto) return options.format;
  BreachedListFormat format = BreachedListFormat::kPlain;
  ForEachLine(input, 0, BuildFilterOptions{}, [&](std::string_view line, uint64_t) {
    unsigned char digest[20];
    if (ParseHibpLine(line, digest)) format = BreachedListFormat::kHibp;
    return false;
  });
  return format;
}

/// An output file being written: removed unless Commit() renamed it over the target.
class TempOutput {
 public:
  explicit TempOutput(const std::string& target) : target_(target) {
    path_ = target + ".tmp.XXXXXX";
    fd_ = ::mkstemp(path_.data());
    if (fd_ < 0) throw std::runtime_error(Errno("cannot create a temporary file beside", target));
  }
  ~TempOutput() {
    if (map_ != nullptr) ::munmap(map_, size_);
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  unsigned char* Map(uint64_t size) {
    size_ = size;
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) throw std::runtime_error(Errno("cannot size", path_));
    void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (map == MAP_FAILED) throw std::runtime_error(Errno("cannot map", path_));
    map_ = static_cast<unsigned char*>(map);
    return map_;
  }
  void Commit() {
    if (::msync(map_, size_, MS_SYNC) != 0) throw std::runtime_error(Errno("cannot write", path_));
    ::munmap(map_, size_);
    map_ = nullptr;
    if (::fchmod(fd_, 0644) != 0 || ::fsync(fd_) != 0) throw std::runtime_error(Errno("cannot write", path_));
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), target_.c_str()) != 0) throw std::runtime_error(Errno("cannot rename to", target_));
    committed_ = true;
  }

 private:
  std::string target_, path_;
  int fd_ = -1;
  unsigned char* map_ = nullptr;
  uint64_t size_ = 0;
  bool committed_ = false;
};

}  // namespace

BloomShape ShapeFor(uint64_t items, double fp_rate) {
  if (!(fp_rate > 0.0 && fp_rate < 1.0)) throw std::invalid_argument("the false-positive rate must be in (0, 1)");
  const double n = static_cast<double>(std::max<uint64_t>(items, 1));
  const double ln2 = std::log(2.0);
  BloomShape shape;
  shape.bits = std::max<uint64_t>(64, static_cast<uint64_t>(std::ceil(-n * std::log(fp_rate) / (ln2 * ln2))));
  const double k = std::round(static_cast<double>(shape.bits) / n * ln2);
  shape.hashes = static_cast<uint32_t>(std::clamp(k, 1.0, static_cast<double>(kMaxHashes)));
  return shape;
}

std::unique_ptr<BreachedFilter> BreachedFilter::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw BreachedFilterError(Errno("cannot open", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw BreachedFilterError("\"" + path + "\" is not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  unsigned char header[kHeaderBytes] = {};
  const bool whole_header = size >= kHeaderBytes && ::pread(fd, header, kHeaderBytes, 0) == static_cast<ssize_t>(kHeaderBytes);
  auto refuse = [&](const std::string& why) {
    ::close(fd);
    return BreachedFilterError("\"" + path + "\" is not a breached-password filter of df-auth: " + why);
  };
  if (!whole_header) throw refuse("shorter than its header (" + std::to_string(size) + " bytes)");
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) throw refuse("unknown format (no DFABLOOM magic)");
  if (Load32(header + 8) != kVersion) throw refuse("version " + std::to_string(Load32(header + 8)) + ", expected 1");
  if (Load64(header + 40) != HeaderChecksum(header)) throw refuse("header checksum mismatch");
  const uint32_t hashes = Load32(header + 12);
  const uint64_t bits = Load64(header + 16);
  if (hashes == 0 || hashes > kMaxHashes || bits == 0 || Load64(header + 32) != kDataOffset)
    throw refuse("header out of range");
  const uint64_t expected = kDataOffset + DataBytes(bits);
  if (size != expected)
    throw refuse("truncated or padded: " + std::to_string(size) + " bytes, the header says " + std::to_string(expected));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int map_errno = errno;
  ::close(fd);  // the mapping keeps the file
  if (map == MAP_FAILED) {
    errno = map_errno;
    throw BreachedFilterError(Errno("cannot map", path));
  }
  // Checks touch k scattered pages: read-ahead would only fill the page cache (and RSS).
  ::madvise(map, size, MADV_RANDOM);
  std::unique_ptr<BreachedFilter> filter(new BreachedFilter());
  filter->map_ = static_cast<const unsigned char*>(map);
  filter->size_ = size;
  filter->bits_ = bits;
  filter->hashes_ = hashes;
  filter->items_ = Load64(header + 24);
  return filter;
}

BreachedFilter::~BreachedFilter() {
  if (map_ != nullptr) ::munmap(const_cast<unsigned char*>(map_), size_);
}

bool BreachedFilter::ContainsSha1(std::string_view digest) const {
  if (digest.size() != 20) throw std::invalid_argument("a SHA-1 digest has 20 bytes");
  const unsigned char* data = map_ + kDataOffset;
  return ForEachIndex(reinterpret_cast<const unsigned char*>(digest.data()), bits_, hashes_, [data](uint64_t i) {
    return ((data[i / 8] >> (i % 8)) & 1u) != 0;
  });
}

bool BreachedFilter::Contains(std::string_view password) const { return ContainsSha1(crypto::Sha1(password)); }

BuildFilterResult BuildBreachedFilter(const std::string& input, const std::string& output,
                                      const BuildFilterOptions& options) {
  BuildFilterResult result;
  result.format = DetectFormat(input, options);
  const bool hibp = result.format == BreachedListFormat::kHibp;
  ForEachLine(input, 1, options, [&](std::string_view line, uint64_t number) {
    unsigned char digest[20];
    if (hibp && !ParseHibpLine(line, digest))
      throw std::runtime_error(input + ":" + std::to_string(number) + ": not an HIBP line (40 hex digits, optionally :COUNT)");
    ++result.items;
    return true;
  });
  result.shape = ShapeFor(result.items, options.fp_rate);
  result.file_bytes = kDataOffset + DataBytes(result.shape.bits);

  TempOutput out(output);
  unsigned char* map = out.Map(result.file_bytes);
  unsigned char* data = map + kDataOffset;
  const BloomShape shape = result.shape;
  ForEachLine(input, 2, options, [&](std::string_view line, uint64_t) {
    unsigned char digest[20];
    if (hibp) {
      ParseHibpLine(line, digest);
    } else {
      const std::string sha1 = crypto::Sha1(line);
      std::memcpy(digest, sha1.data(), sizeof digest);
    }
    ForEachIndex(digest, shape.bits, shape.hashes, [data](uint64_t i) {
      data[i / 8] = static_cast<unsigned char>(data[i / 8] | (1u << (i % 8)));
      return true;
    });
    return true;
  });
  std::memcpy(map, kMagic, sizeof kMagic);
  Store32(map + 8, kVersion);
  Store32(map + 12, shape.hashes);
  Store64(map + 16, shape.bits);
  Store64(map + 24, result.items);
  Store64(map + 32, kDataOffset);
  Store64(map + 40, HeaderChecksum(map));
  out.Commit();
  return result;
}

}  // namespace dfauth::identity
