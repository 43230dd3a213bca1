// Programs from compile traces: elementwise steps fuse into one Compiled
// step, the fused kernel matches the unfused ops, and the Compiled
// primitive's vjp/jvp/vmap match those of the ops it replaced.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/errors.h"
#include "helpers.h"
#include "ops/ops.h"
#include "transforms/compile.h"
#include "transforms/transforms.h"

namespace ember {
namespace {

// f(x, y) = exp(x * y + 1) * x: four elementwise ops and a scalar constant.
std::vector<array> chain(const std::vector<array>& in) {
  array t = add(multiply(in[0], in[1]), array(1.0f));
  return {multiply(exp(t), in[0])};
}

CompiledProgram trace(const ArrayFun& f, const std::vector<array>& examples) {
  std::vector<array> ph;
  for (auto& e : examples) ph.push_back(placeholder(e.shape(), e.dtype()));
  std::vector<array> outs;
  {
    CompileTraceScope scope(false);
    outs = f(ph);
  }
  return CompiledProgram(ph, outs, examples, false);
}

void expect_close(array a, array b, float tol = 1e-5f) {
  auto x = to_floats(a), y = to_floats(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], y[i], tol * (1 + std::fabs(y[i]))) << "at " << i;
  }
}

TEST(Compile, ChainFusesIntoOneStep) {
  array x = make_floats({0.5f, -1.0f, 2.0f, 0.25f}, {4});
  array y = make_floats({1.0f, 2.0f, -0.5f, 3.0f}, {4});
  CompiledProgram p = trace(chain, {x, y});
  ASSERT_EQ(p.steps().size(), 1u);
  EXPECT_EQ(std::string(p.steps()[0].prim->name()), "CompiledMultiplyAddExpMultiply");
  expect_close(p.run({x, y})[0], chain({x, y})[0]);
}

TEST(Compile, CommonSubexpressionsMerge) {
  auto f = [](const std::vector<array>& in) {
    // Two identical sums: one step after merging (sum is not fused).
    return std::vector<array>{add(sum(in[0], {0}, true), sum(in[0], {0}, true))};
  };
  array x = make_floats({1, 2, 3}, {3});
  CompiledProgram p = trace(f, {x});
  ASSERT_EQ(p.steps().size(), 2u);  // Sum, then Add
  expect_close(p.run({x})[0], make_floats({12}, {1}));
}

TEST(Compile, FusedVjpMatchesUnfused) {
  array x = make_floats({0.5f, -1.0f, 2.0f}, {3});
  array y = make_floats({1.0f, 2.0f, -0.5f}, {3});
  CompiledProgram p = trace(chain, {x, y});
  ArrayFun fused = [&p](const std::vector<array>& in) { return p.run(in); };
  array ct = make_floats({1.0f, -2.0f, 0.5f}, {3});
  auto [o1, g1] = vjp(fused, {x, y}, {ct});
  auto [o2, g2] = vjp(chain, {x, y}, {ct});
  expect_close(o1[0], o2[0]);
  expect_close(g1[0], g2[0]);
  expect_close(g1[1], g2[1]);
}

TEST(Compile, FusedJvpAndVmapMatchUnfused) {
  array x = make_floats({0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.25f}, {2, 3});
  array y = make_floats({1.0f, 2.0f, -0.5f}, {3});
  CompiledProgram p = trace(chain, {make_floats({0, 0, 0}, {3}), y});
  ArrayFun fused = [&p](const std::vector<array>& in) { return p.run(in); };
  array tx = make_floats({1, 0, 2}, {3});
  array ty = make_floats({0, 1, -1}, {3});
  array row = make_floats({0.5f, -1.0f, 2.0f}, {3});
  auto [o1, t1] = jvp(fused, {row, y}, {tx, ty});
  auto [o2, t2] = jvp(chain, {row, y}, {tx, ty});
  expect_close(t1[0], t2[0]);
  auto v1 = vmap(fused, {x, y}, {0, -1}, {0});
  auto v2 = vmap(chain, {x, y}, {0, -1}, {0});
  expect_close(v1[0], v2[0]);
}

TEST(Compile, LongChainBuildsWithoutRecursion) {
  auto f = [](const std::vector<array>& in) {
    array a = in[0];
    for (int i = 0; i < 20000; ++i) a = i % 2 ? multiply(a, array(1.0f)) : add(a, array(0.0f));
    return std::vector<array>{a};
  };
  array x = make_floats({1.0f, 2.0f}, {2});
  CompiledProgram p = trace(f, {x});
  expect_close(p.run({x})[0], x);
}

TEST(Compile, ClosureUseOfAnInputIsRejected) {
  array x = make_floats({1.0f}, {1});
  auto f = [&x](const std::vector<array>& in) { return std::vector<array>{add(in[0], x)}; };
  array ph = placeholder(x.shape(), x.dtype());
  std::vector<array> outs;
  {
    CompileTraceScope scope(false);
    outs = f({ph});
  }
  EXPECT_THROW((CompiledProgram({ph}, outs, {x}, false)), ValueError);
}

}  // namespace
}  // namespace ember
