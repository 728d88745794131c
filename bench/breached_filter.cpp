// The breached-password filter at the size of the e2e test and the figures: builds a
// 1e-6 filter from N generated HIBP lines (default 1,000,000), then measures the false-positive
// rate over 1,000,000 non-members and the cost of one check (SHA-1 + k probes) per call, for
// members and non-members, on a warm filter. `breached_filter_bench [N] [DIR]`.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/primitives.hpp"
#include "identity/breached_filter.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::string Member(long i) { return "leaked pass phrase " + std::to_string(i); }
std::string Stranger(long i) { return "fresh unlisted phrase " + std::to_string(i); }

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

/// Nanoseconds per Contains() over `calls` passwords from `make`; `hits` counts the true answers.
template <typename Make>
double NanosPerCheck(const dfauth::identity::BreachedFilter& filter, long calls, Make make, long& hits) {
  std::vector<std::string> inputs;
  inputs.reserve(static_cast<std::size_t>(calls));
  for (long i = 0; i < calls; ++i) inputs.push_back(make(i));
  hits = 0;
  const auto start = Clock::now();
  for (const auto& p : inputs) hits += filter.Contains(p) ? 1 : 0;
  return Seconds(start) * 1e9 / static_cast<double>(calls);
}

}  // namespace

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  const std::filesystem::path dir = argc > 2 ? argv[2] : std::filesystem::temp_directory_path();
  const std::string list = (dir / ("breached-bench-" + std::to_string(getpid()) + ".txt")).string();
  const std::string out = list + ".filter";
  {
    std::ofstream f(list, std::ios::binary);
    for (long i = 0; i < n; ++i) {
      std::string hex = dfauth::crypto::HexEncode(dfauth::crypto::Sha1(Member(i)));
      for (char& c : hex)
        if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 32);
      f << hex << ':' << (i % 5000 + 1) << "\r\n";
    }
  }
  auto start = Clock::now();
  const auto built = dfauth::identity::BuildBreachedFilter(list, out, {});
  const double build_s = Seconds(start);
  auto filter = dfauth::identity::BreachedFilter::Open(out);
  std::printf("build: %ld HIBP lines (%ju bytes) in %.2f s; filter %ju bytes, %ju bits, %u hashes\n", n,
              static_cast<uintmax_t>(std::filesystem::file_size(list)), build_s,
              static_cast<uintmax_t>(built.file_bytes), static_cast<uintmax_t>(built.shape.bits), built.shape.hashes);
  long hits = 0;
  const long probes = 1'000'000;
  const double stranger_ns = NanosPerCheck(*filter, probes, Stranger, hits);
  std::printf("false positives: %ld of %ld non-members (rate %.2e, target 1e-06)\n", hits, probes,
              static_cast<double>(hits) / static_cast<double>(probes));
  long member_hits = 0;
  const double member_ns = NanosPerCheck(*filter, std::min(n, probes), Member, member_hits);
  std::printf("members found: %ld of %ld\n", member_hits, std::min(n, probes));
  std::printf("check cost: %.2f us per call (non-member), %.2f us (member)\n", stranger_ns / 1000,
              member_ns / 1000);
  std::filesystem::remove(list);
  std::filesystem::remove(out);
  return member_hits == std::min(n, probes) ? 0 : 1;
}
