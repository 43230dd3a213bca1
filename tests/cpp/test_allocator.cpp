// The host allocator: cache reuse, accounting and limits.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

#include "core/allocator.h"
#include "core/array.h"
#include "core/errors.h"

namespace ember {
namespace {

constexpr size_t kMB = size_t(1) << 20;

// Restores the cache limit and empties the cache around each test.
class Allocator : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cache_limit_ = set_cache_limit(size_t(1) << 40);
    clear_cache();
  }
  void TearDown() override {
    set_cache_limit(old_cache_limit_);
    clear_cache();
  }
  size_t old_cache_limit_ = 0;
};

TEST_F(Allocator, BuffersAreUsableAndAligned) {
  auto b = allocate(1000);
  ASSERT_NE(b->data(), nullptr);
  EXPECT_GE(b->size(), 1000u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b->data()) % 16, 0u);
  std::memset(b->data(), 0xab, 1000);
  auto zero = allocate(0);
  EXPECT_NE(zero->data(), nullptr);
}

TEST_F(Allocator, ActiveMemoryTracksLiveBuffers) {
  size_t before = get_active_memory();
  {
    auto b = allocate(4 * kMB);
    EXPECT_GE(get_active_memory(), before + 4 * kMB);
    EXPECT_LT(get_active_memory(), before + 5 * kMB);
  }
  EXPECT_EQ(get_active_memory(), before);
}

TEST_F(Allocator, FreedBlocksAreCachedAndReused) {
  void* first = nullptr;
  {
    auto b = allocate(2 * kMB);
    first = b->data();
  }
  size_t cached = get_cache_memory();
  EXPECT_GE(cached, 2 * kMB);
  auto again = allocate(2 * kMB);
  EXPECT_EQ(again->data(), first);
  EXPECT_EQ(get_cache_memory(), cached - again->size());
}

TEST_F(Allocator, NearbySizesShareBlocks) {
  void* first = nullptr;
  {
    auto b = allocate(kMB + 100);
    first = b->data();
  }
  auto again = allocate(kMB + 50);
  EXPECT_EQ(again->data(), first);
}

TEST_F(Allocator, SmallRequestsDoNotTakeHugeBlocks) {
  { auto big = allocate(8 * kMB); }
  size_t cached = get_cache_memory();
  auto small = allocate(64);
  EXPECT_LT(small->size(), kMB);
  EXPECT_EQ(get_cache_memory(), cached);
}

TEST_F(Allocator, PeakMemory) {
  reset_peak_memory();
  EXPECT_EQ(get_peak_memory(), 0u);
  size_t before = get_active_memory();
  {
    auto a = allocate(3 * kMB);
    auto b = allocate(3 * kMB);
  }
  EXPECT_GE(get_peak_memory(), before + 6 * kMB);
  EXPECT_GE(get_peak_memory(), get_active_memory());
  reset_peak_memory();
  EXPECT_EQ(get_peak_memory(), 0u);
}

TEST_F(Allocator, ClearCacheEmptiesIt) {
  { auto b = allocate(kMB); }
  EXPECT_GT(get_cache_memory(), 0u);
  clear_cache();
  EXPECT_EQ(get_cache_memory(), 0u);
}

TEST_F(Allocator, ZeroCacheLimitFreesAtOnce) {
  size_t previous = set_cache_limit(0);
  EXPECT_EQ(previous, size_t(1) << 40);
  { auto b = allocate(kMB); }
  EXPECT_EQ(get_cache_memory(), 0u);
  EXPECT_EQ(set_cache_limit(previous), 0u);
}

TEST_F(Allocator, CacheLimitTrimsTheCache) {
  {
    auto a = allocate(kMB);
    auto b = allocate(2 * kMB);
    auto c = allocate(4 * kMB);
  }
  EXPECT_GE(get_cache_memory(), 7 * kMB);
  set_cache_limit(3 * kMB);
  EXPECT_LE(get_cache_memory(), 3 * kMB);
}

TEST_F(Allocator, MemoryLimitRoundTrips) {
  size_t old = set_memory_limit(10 * kMB);
  EXPECT_GT(old, 0u);
  EXPECT_EQ(get_memory_limit(), 10 * kMB);
  EXPECT_EQ(set_memory_limit(old), 10 * kMB);
  EXPECT_EQ(get_memory_limit(), old);
}

TEST_F(Allocator, ImpossibleAllocationThrowsMemoryError) {
  size_t before = get_active_memory();
  EXPECT_THROW(allocate(size_t(1) << 62), MemoryError);
  EXPECT_EQ(get_active_memory(), before);
  // A catch for std::bad_alloc sees it too.
  EXPECT_THROW(allocate(size_t(1) << 62), std::bad_alloc);
}

TEST_F(Allocator, ArraysAccountTheirBuffers) {
  size_t before = get_active_memory();
  {
    array a = array::empty({256, 1024}, float32);
    EXPECT_GE(get_active_memory(), before + kMB);
  }
  EXPECT_EQ(get_active_memory(), before);
  EXPECT_THROW(array::empty({int64_t(1) << 40, int64_t(1) << 30}, float32),
               std::exception);
}

}  // namespace
}  // namespace ember
