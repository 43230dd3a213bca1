// The lazy graph: building computes nothing, eval runs each node once in
// dependency order, and long chains neither recurse nor overflow the stack.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/allocator.h"
#include "core/array.h"
#include "core/primitive.h"
#include "helpers.h"
#include "ops/ops.h"

namespace ember {
namespace {

// Writes 1 + the sum of its (scalar float32) inputs and logs that it ran.
class Record : public UnaryOutputPrimitive {
 public:
  Record(std::string tag, std::vector<std::string>* log)
      : UnaryOutputPrimitive(default_stream(cpu_device)),
        tag_(std::move(tag)),
        log_(log) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override {
    for (auto& in : inputs) EXPECT_TRUE(in.is_evaluated()) << tag_;
    log_->push_back(tag_);
    float total = 1.0f;
    for (auto& in : inputs) total += *in.data<float>();
    out.set_data(allocate(sizeof(float)));
    *out.data<float>() = total;
  }
  const char* name() const override { return "Record"; }

 private:
  std::string tag_;
  std::vector<std::string>* log_;
};

array record(const std::string& tag, std::vector<std::string>* log,
             std::vector<array> inputs) {
  return array(Shape{}, float32, std::make_shared<Record>(tag, log),
               std::move(inputs));
}

int position(const std::vector<std::string>& log, const std::string& tag) {
  auto it = std::find(log.begin(), log.end(), tag);
  return it == log.end() ? -1 : static_cast<int>(it - log.begin());
}

TEST(Graph, BuildingComputesNothing) {
  std::vector<std::string> log;
  array a(1.0f);
  array b = record("b", &log, {a});
  array c = record("c", &log, {b});
  EXPECT_TRUE(log.empty());
  EXPECT_FALSE(c.is_evaluated());
  EXPECT_TRUE(c.has_primitive());
  EXPECT_EQ(c.inputs().size(), 1u);
  EXPECT_TRUE(c.inputs()[0].is_same(b));
  c.eval();
  EXPECT_EQ(log, (std::vector<std::string>{"b", "c"}));
  EXPECT_FLOAT_EQ(c.item<float>(), 3.0f);
}

TEST(Graph, OpBuildersAreLazy) {
  array x = ones({1024, 1024}, float32);
  array y = ones({1024, 1024}, float32);
  x.eval();
  y.eval();
  size_t before = get_active_memory();
  array z = add(multiply(x, y), x);
  array s = sum(z, all_axes(z), false);
  // No output buffer of 4 MB exists until eval.
  EXPECT_LT(get_active_memory(), before + (1u << 20));
  EXPECT_FALSE(z.is_evaluated());
  EXPECT_FALSE(s.is_evaluated());
  EXPECT_EQ(z.shape(), (Shape{1024, 1024}));
  EXPECT_EQ(s.shape(), Shape{});
  EXPECT_FLOAT_EQ(s.item<float>(), 2.0f * 1024 * 1024);
}

TEST(Graph, DiamondRunsEachNodeOnceInOrder) {
  std::vector<std::string> log;
  array a(1.0f);
  array top = record("top", &log, {a});
  array left = record("left", &log, {top});
  array right = record("right", &log, {top});
  array bottom = record("bottom", &log, {left, right});
  eval({bottom});
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(position(log, "top"), 0);
  EXPECT_EQ(position(log, "bottom"), 3);
  EXPECT_GT(position(log, "left"), position(log, "top"));
  EXPECT_GT(position(log, "right"), position(log, "top"));
  // top = 2, left = right = 3, bottom = 1 + 3 + 3.
  EXPECT_FLOAT_EQ(bottom.item<float>(), 7.0f);
  EXPECT_FLOAT_EQ(left.item<float>(), 3.0f);
  // Everything is evaluated now; a second eval runs nothing.
  eval({bottom, left, right, top});
  EXPECT_EQ(log.size(), 4u);
}

TEST(Graph, SharedInputsAcrossSeparateEvals) {
  std::vector<std::string> log;
  array a(2.0f);
  array shared = record("shared", &log, {a});
  array first = record("first", &log, {shared});
  array second = record("second", &log, {shared, shared});
  first.eval();
  second.eval();
  EXPECT_EQ(std::count(log.begin(), log.end(), "shared"), 1);
  // shared = 1 + 2, second = 1 + shared + shared.
  EXPECT_FLOAT_EQ(second.item<float>(), 1.0f + 3.0f + 3.0f);
}

TEST(Graph, EvalDetachesInputs) {
  array a(1.0f);
  array b = add(a, a);
  EXPECT_TRUE(b.has_primitive());
  b.eval();
  EXPECT_TRUE(b.is_evaluated());
  EXPECT_FALSE(b.has_primitive());
  EXPECT_TRUE(b.inputs().empty());
}

TEST(Graph, EvalReleasesIntermediates) {
  array x = ones({1 << 20}, float32);
  x.eval();
  size_t before = get_active_memory();
  array y = x;
  for (int i = 0; i < 20; ++i) y = add(y, x);
  reset_peak_memory();
  y.eval();
  // The output plus a temporary or two at a time, not 20 buffers of 4 MB.
  EXPECT_LT(get_peak_memory(), before + 3 * (size_t(4) << 20));
  EXPECT_FLOAT_EQ(to_floats(y)[12345], 21.0f);
}

TEST(Graph, MillionAddChainEvaluates) {
  array one(1.0f);
  array x(0.0f);
  for (int i = 0; i < 1000000; ++i) x = add(x, one);
  x.eval();
  EXPECT_FLOAT_EQ(x.item<float>(), 1e6f);
}

TEST(Graph, MillionAddChainDestroyedWithoutEval) {
  array one(1.0f);
  {
    array x(0.0f);
    for (int i = 0; i < 1000000; ++i) x = add(x, one);
    EXPECT_FALSE(x.is_evaluated());
  }
  // Reaching here means destruction did not recurse a million frames.
  SUCCEED();
}

TEST(Graph, DeepChainWithSharedLeaves) {
  array x(1.0f);
  array y(0.0f);
  for (int i = 0; i < 200000; ++i) y = add(y, multiply(x, x));
  EXPECT_FLOAT_EQ(y.item<float>(), 200000.0f);
}

TEST(Graph, MultiOutputSplitChain) {
  array x = make_floats({1, 2, 3, 4}, {4});
  for (int i = 0; i < 100000; ++i) {
    auto parts = split(x, 2, 0);
    x = concatenate({parts[1], parts[0]}, 0);
  }
  // An even number of swaps restores the order.
  EXPECT_EQ(to_floats(x), (std::vector<float>{1, 2, 3, 4}));
}

TEST(Graph, ArraysEvaluatedOnAnotherThread) {
  array a = make_floats({1, 2, 3}, {3});
  array b = multiply(a, a);
  std::vector<float> out;
  std::thread t([&] { out = to_floats(b); });
  t.join();
  EXPECT_EQ(out, (std::vector<float>{1, 4, 9}));
}

}  // namespace
}  // namespace ember
