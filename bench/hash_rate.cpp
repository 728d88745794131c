// Raw Argon2id verification rate of this machine at the configured cost, on every core: the
// ceiling for POST token/ with a password (interface.md §7).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "crypto/password.hpp"

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  dfauth::crypto::Argon2Params params;  // OWASP: m=19456 KiB, t=2, p=1 (the server's default)
  const std::string stored = dfauth::crypto::HashPassword("bench-password", params);
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 0; i < threads; ++i)
    workers.emplace_back([&] {
      while (!stop.load()) {
        if (!dfauth::crypto::VerifyPassword("bench-password", stored, params).ok) std::abort();
        done.fetch_add(1);
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : workers) t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f\n", static_cast<double>(done.load()) / elapsed);
  return 0;
}
