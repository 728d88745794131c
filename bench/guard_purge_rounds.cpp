// Times each transaction of the guard's bounded purge on a database that holds many expired
// counters: `guard_purge_rounds DATABASE_URL [PAUSE_MS]` opens the (migrated) database, then
// calls GuardStore::PurgeExpired(now, 1) until it reports nothing left, PAUSE_MS (default 10)
// apart; with a row limit of 1, each call is exactly one purge transaction (one chunk per
// table). Prints the count of transactions and the median, p99 and longest transaction in ms.
// The guard itself runs one round of at most 400 rows per ban reload (seconds apart); 10 ms
// apart is 50x that pace. PAUSE_MS 0 (back to back) shows SQLite's own checkpoint: the writer
// copies the WAL back once it reaches 10,000 pages, which back-to-back deletes of scattered
// rows reach every ~200 transactions.
// bench/guard_purge fills the database and runs this.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "store/guard_store.hpp"

namespace {

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("  %s ms per transaction: median %.3f, p99 %.3f, longest %.3f\n", what, ms[ms.size() / 2],
              ms[ms.size() * 99 / 100], ms.back());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: guard_purge_rounds DATABASE_URL [PAUSE_MS]\n");
    return 2;
  }
  auto db = dfauth::store::OpenDatabase(argv[1], 2);
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const auto pause = std::chrono::milliseconds(argc == 3 ? std::atoi(argv[2]) : 10);
  // Wall time, and this thread's CPU time: on a busy machine a 1 ms transaction can wait 10 ms
  // or more for a core, which the wall time shows and the CPU time does not.
  std::vector<double> wall, cpu;
  for (bool done = false; !done;) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuMs();
    done = db->Guard().PurgeExpired(now, 1);
    cpu.push_back(ThreadCpuMs() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    std::this_thread::sleep_for(pause);
  }
  std::printf("%lld ms apart: %zu transactions (the last found nothing)\n", static_cast<long long>(pause.count()),
              wall.size());
  Report("wall", wall);
  Report("cpu ", cpu);
  return 0;
}
