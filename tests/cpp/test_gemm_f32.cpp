// Ember's float32 product (backend/cpu/gemm_f32.cpp) against a double
// loop: every transpose combination, sizes around its 14 x 32 register
// tile, 16-element transposes and 1024-deep blocks, leading dimensions
// wider than the matrices (so reads past a row's end would show), alpha,
// and C's surroundings left untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "backend/cpu/gemm.h"

namespace ember::cpu {
namespace {

struct Case {
  int64_t m, n, k;
};

void check(bool ta, bool tb, Case s, float alpha) {
  std::mt19937 gen(static_cast<uint32_t>(s.m * 131 + s.n * 7 + s.k + ta * 2 + tb));
  std::normal_distribution<float> dist;
  // op(A) is m x k, op(B) k x n; stored with 3 spare columns per row.
  int64_t a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k;
  int64_t b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
  int64_t lda = a_cols + 3, ldb = b_cols + 3, ldc = s.n + 3;
  std::vector<float> a(a_rows * lda), b(b_rows * ldb), c(s.m * ldc, -7.0f);
  for (auto& x : a) x = dist(gen);
  for (auto& x : b) x = dist(gen);
  gemm_f32(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, c.data(), ldc);
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= s.n) {
        ASSERT_EQ(c[i * ldc + j], -7.0f) << "wrote past column " << s.n;
        continue;
      }
      double want = 0, mag = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        double x = ta ? a[p * lda + i] : a[i * lda + p];
        double y = tb ? b[j * ldb + p] : b[p * ldb + j];
        want += x * y;
        mag += std::abs(x * y);
      }
      want *= alpha;
      ASSERT_NEAR(c[i * ldc + j], want, 1e-5 * (mag * std::abs(alpha) + 1))
          << "ta=" << ta << " tb=" << tb << " m=" << s.m << " n=" << s.n << " k=" << s.k
          << " at (" << i << ", " << j << ")";
    }
  }
}

TEST(GemmF32, MatchesDoubleLoops) {
  if (!gemm_f32_available()) GTEST_SKIP() << "needs AVX-512";
  const Case cases[] = {{1, 1, 1},     {13, 31, 15}, {14, 32, 16},  {15, 33, 17},
                        {29, 65, 40},  {3, 100, 1},  {130, 40, 1030}, {300, 7, 33},
                        {20, 4100, 3}, {140, 70, 2049}};
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (const Case& s : cases) check(ta, tb, s, 1.0f);
    }
  }
  check(false, true, {17, 45, 50}, 0.5f);
  check(true, false, {17, 45, 50}, -2.0f);
}

TEST(GemmF32, EmptyDepthGivesZeros) {
  if (!gemm_f32_available()) GTEST_SKIP() << "needs AVX-512";
  std::vector<float> c(6, 5.0f);
  gemm_f32(false, false, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, c.data(), 3);
  for (float x : c) EXPECT_EQ(x, 0.0f);
}

}  // namespace
}  // namespace ember::cpu
