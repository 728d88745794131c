// Group commit on the SQLite writer (Pool::WriteLease): units queued behind a running unit share
// one COMMIT, a failed unit is rolled back alone, and a lease returns only once its unit is
// committed (visible to the readers).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/pool.hpp"
#include "store/testing.hpp"

namespace dfauth::store::sqlite {
namespace {

using store::testing::TempDir;

void CreateTables(Pool& pool) {
  Pool::WriteLease w(pool);
  w->Exec(
      "CREATE TABLE rows(id INTEGER PRIMARY KEY);"
      "CREATE TABLE counter(n INTEGER NOT NULL); INSERT INTO counter VALUES(0);");
}

int64_t ReadCounter(Connection& c) {
  auto st = c.Prepare("SELECT n FROM counter");
  return st.Step() ? st.Int64(0) : -1;
}

bool RowVisible(Pool& pool, int64_t id) {
  Pool::Lease reader(pool);
  return reader->Prepare("SELECT 1 FROM rows WHERE id = ?1").Bind(1, id).Step();
}

// One unit of work: reads the counter (so it sees the units before it in its group), writes it
// back plus one and files row `id`; throws after writing when `fail`.
void Unit(Pool& pool, int64_t id, bool fail) {
  Pool::WriteLease w(pool);
  const int64_t n = ReadCounter(*w);
  w->Prepare("UPDATE counter SET n = ?1").Bind(1, n + 1).Run();
  w->Prepare("INSERT INTO rows(id) VALUES(?1)").Bind(1, id).Run();
  if (fail) throw std::runtime_error("unit fails after writing");
}

int64_t CountRows(Pool& pool) {
  Pool::Lease reader(pool);
  auto st = reader->Prepare("SELECT count(*) FROM rows");
  return st.Step() ? st.Int64(0) : -1;
}

// Deterministic grouping: while one unit holds the writer, 8 writers queue; when it ends they
// run one after another in its transaction and the last of them commits: 9 units, 1 COMMIT.
// Unit 5 fails: its row and its counter step are undone, its neighbours' are not.
TEST(SqliteGroupCommitConcurrent, QueuedUnitsShareOneCommitAndAFailedUnitIsUndoneAlone) {
  TempDir dir;
  Pool pool(dir.File("group.db"), 2);
  CreateTables(pool);
  const auto before = pool.write_stats();
  constexpr int kQueued = 8;
  constexpr int kFailing = 5;
  std::vector<std::thread> threads;
  std::atomic<int> visible_at_return{0};
  std::atomic<int> failures{0};
  {
    Pool::WriteLease holder(pool);
    holder->Prepare("INSERT INTO rows(id) VALUES(1000)").Run();
    for (int i = 0; i < kQueued; ++i) {
      threads.emplace_back([&, i] {
        try {
          Unit(pool, i, i == kFailing);
          if (RowVisible(pool, i)) ++visible_at_return;
        } catch (const std::runtime_error&) {
          ++failures;
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (pool.writers_waiting() < kQueued && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(pool.writers_waiting(), kQueued);
    // Not committed yet: a reader does not see the holder's row.
    EXPECT_FALSE(RowVisible(pool, 1000));
  }
  for (auto& t : threads) t.join();
  const auto after = pool.write_stats();
  EXPECT_EQ(after.units - before.units, uint64_t{kQueued + 1});
  EXPECT_EQ(after.commits - before.commits, 1u);
  EXPECT_EQ(failures.load(), 1);
  EXPECT_EQ(visible_at_return.load(), kQueued - 1);  // each saw its own row once it returned
  EXPECT_TRUE(RowVisible(pool, 1000));
  EXPECT_FALSE(RowVisible(pool, kFailing));
  EXPECT_EQ(CountRows(pool), kQueued);  // the holder's row + 7 of the 8
  Pool::Lease reader(pool);
  EXPECT_EQ(ReadCounter(*reader), kQueued - 1);
}

// Many threads writing at once: the counter is exact (each unit read the one before it), every
// successful unit's row is there and no failed unit's, and units were grouped (fewer COMMITs
// than units).
TEST(SqliteGroupCommitConcurrent, ManyThreadsCountExactlyWithFewerCommitsThanUnits) {
  TempDir dir;
  Pool pool(dir.File("many.db"), 2);
  CreateTables(pool);
  const auto before = pool.write_stats();
  constexpr int kThreads = 8;
  constexpr int kUnitsEach = 150;
  std::atomic<int> not_visible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUnitsEach; ++i) {
        const int64_t id = int64_t{t} * kUnitsEach + i;
        const bool fail = i % 10 == 3;
        try {
          Unit(pool, id, fail);
          if (!RowVisible(pool, id)) ++not_visible;
        } catch (const std::runtime_error&) {
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto after = pool.write_stats();
  constexpr int kSucceeded = kThreads * (kUnitsEach - kUnitsEach / 10);
  EXPECT_EQ(not_visible.load(), 0);
  EXPECT_EQ(CountRows(pool), kSucceeded);
  {
    Pool::Lease reader(pool);
    EXPECT_EQ(ReadCounter(*reader), kSucceeded);
    EXPECT_FALSE(reader->Prepare("SELECT 1 FROM rows WHERE id % 150 % 10 = 3").Step());
  }
  const uint64_t units = after.units - before.units;
  const uint64_t commits = after.commits - before.commits;
  EXPECT_EQ(units, uint64_t{kThreads * kUnitsEach});
  EXPECT_LT(commits, units);
  EXPECT_GE(commits, units / Pool::kMaxGroupUnits);
  std::printf("group commit: %llu units in %llu commits\n", static_cast<unsigned long long>(units),
              static_cast<unsigned long long>(commits));
}

// A Transaction inside a unit is a savepoint: left without Commit() it undoes its own writes
// only, and the unit's other writes are committed.
TEST(SqliteGroupCommit, ATransactionInsideAUnitIsASavepoint) {
  TempDir dir;
  Pool pool(dir.File("nested.db"), 1);
  CreateTables(pool);
  {
    Pool::WriteLease w(pool);
    w->Prepare("INSERT INTO rows(id) VALUES(1)").Run();
    {
      Transaction tx(*w, TransactionMode::kImmediate);
      w->Prepare("INSERT INTO rows(id) VALUES(2)").Run();
    }
    {
      Transaction tx(*w, TransactionMode::kImmediate);
      w->Prepare("INSERT INTO rows(id) VALUES(3)").Run();
      tx.Commit();
    }
  }
  EXPECT_TRUE(RowVisible(pool, 1));
  EXPECT_FALSE(RowVisible(pool, 2));
  EXPECT_TRUE(RowVisible(pool, 3));
  EXPECT_EQ(pool.write_stats().commits, 2u);  // the tables, then this unit
}

}  // namespace
}  // namespace dfauth::store::sqlite
