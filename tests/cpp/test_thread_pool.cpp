// The thread pool under back-to-back jobs of every size: each index of each
// job runs exactly once, and no job waits forever (a regression: a thread
// late from one job could take an index of the next).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/thread_pool.h"

namespace ember {

TEST(ThreadPool, EveryIndexOnceAcrossManyJobs) {
  std::vector<std::atomic<int>> hits(64);
  for (int round = 0; round < 20000; ++round) {
    int64_t n = 1 + round % 64;
    for (int64_t i = 0; i < n; ++i) hits[i].store(0);
    parallel_for(n, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "round " << round;
  }
}

TEST(ThreadPool, JobsAfterTheWorkersSleep) {
  // Pauses longer than the workers' spin, so each job wakes sleeping ones,
  // with chunks of uneven length.
  std::atomic<int64_t> total{0};
  for (int round = 0; round < 300; ++round) {
    if (round % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
    int64_t n = 2 + round % 37;
    parallel_for(n, 1 + round % 4, [&](int64_t b, int64_t e) {
      if ((b + round) % 5 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
      total.fetch_add(e - b);
    });
    parallel_for(n, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
    ASSERT_EQ(total.exchange(0), 2 * n) << "round " << round;
  }
}

TEST(ThreadPool, NestedCallsRunInline) {
  std::atomic<int64_t> total{0};
  for (int round = 0; round < 2000; ++round) {
    parallel_for(8, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        parallel_for(16, 1, [&](int64_t c, int64_t d) { total.fetch_add(d - c); });
      }
    });
  }
  EXPECT_EQ(total.load(), 2000 * 8 * 16);
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  EXPECT_THROW(parallel_for(100, 1, [](int64_t b, int64_t) {
                 if (b == 0) throw std::runtime_error("boom");
               }),
               std::runtime_error);
  std::atomic<int> after{0};
  parallel_for(100, 1, [&](int64_t b, int64_t e) { after.fetch_add(int(e - b)); });
  EXPECT_EQ(after.load(), 100);
}

}  // namespace ember
