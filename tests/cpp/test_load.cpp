// Load: an array whose bytes a reader writes when it is evaluated, after a
// check that runs before any memory is allocated.
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/allocator.h"
#include "helpers.h"
#include "ops/load.h"

namespace ember {
namespace {

TEST(Load, ReadsWhenEvaluated) {
  int reads = 0;
  LoadReader r;
  r.read = [&](void* dst, size_t nbytes) {
    ++reads;
    ASSERT_EQ(nbytes, 4 * sizeof(float));
    std::vector<float> v = {1, 2, 3, 4};
    std::memcpy(dst, v.data(), nbytes);
  };
  array a = load({2, 2}, float32, r);
  EXPECT_EQ(reads, 0);
  EXPECT_FALSE(a.is_evaluated());
  EXPECT_EQ(to_floats(a), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(to_floats(a), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(reads, 1);
}

TEST(Load, FailedCheckAllocatesNothingAndRetries) {
  bool ready = false;
  LoadReader r;
  r.check = [&] {
    if (!ready) throw std::runtime_error("[load] not there yet");
  };
  r.read = [](void* dst, size_t nbytes) { std::memset(dst, 0, nbytes); };
  array a = load({1 << 20}, float32, r);
  size_t before = get_active_memory();
  EXPECT_THROW(a.eval(), std::runtime_error);
  EXPECT_EQ(get_active_memory(), before);
  EXPECT_FALSE(a.is_evaluated());
  ready = true;
  a.eval();
  EXPECT_TRUE(a.is_evaluated());
}

TEST(Load, ReaderErrorsReachEval) {
  LoadReader r;
  r.read = [](void*, size_t) { throw std::runtime_error("[load] short file"); };
  array a = load({3}, int32, r);
  EXPECT_THROW(a.eval(), std::runtime_error);
  EXPECT_THROW(load({-1}, int32, r), std::invalid_argument);
  EXPECT_THROW(load({1}, int32, LoadReader{}), std::invalid_argument);
}

}  // namespace
}  // namespace ember
