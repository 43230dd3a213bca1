// Pieces of the float32 row kernels (softmax, argmax, norms): reductions
// over a run of floats kept in lanes, so the loops vectorize
// without reassociation flags. Always inlined, so each ISA variant of a
// kernel (isa.h) gets its own vector code.
#pragma once
#include <cstdint>
#include <limits>

namespace ember::cpu {

// Lanes of the row reductions: four AVX-512 vectors (eight AVX2 ones), so
// four chains of adds are in flight; rows shorter than that use sixteen.
constexpr int kRowLanes = 64;

// The total of N lanes (a power of two), halving in vector-wide steps: a
// chain of scalar adds would cost more than the loads of a 256-value row.
template <int N = kRowLanes>
[[gnu::always_inline]] inline float fold_lanes(float* lane) {
  for (int w = N / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) lane[j] += lane[j + w];
  }
  return lane[0];
}

// The sum of (x[i] - mu), or of its squares, over n values.
[[gnu::always_inline]] inline float lane_sum(const float* x, int64_t n, float mu = 0.0f,
                                             bool squares = false) {
  float lane[kRowLanes] = {};
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes) {
    for (int j = 0; j < kRowLanes; ++j) {
      float c = x[i + j] - mu;
      lane[j] += squares ? c * c : c;
    }
  }
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) {
      float c = x[i + j] - mu;
      lane[j] += squares ? c * c : c;
    }
  }
  float total = 0.0f;
  for (; i < n; ++i) {
    float c = x[i] - mu;
    total += squares ? c * c : c;
  }
  return total + fold_lanes(lane);
}

// The largest of n values (-inf for none); NaNs are skipped.
[[gnu::always_inline]] inline float lane_max(const float* x, int64_t n) {
  float lane[kRowLanes];
  for (int j = 0; j < kRowLanes; ++j) lane[j] = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  for (; i + kRowLanes <= n; i += kRowLanes) {
    for (int j = 0; j < kRowLanes; ++j) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
  }
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
  }
  float m = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < kRowLanes; ++j) m = lane[j] > m ? lane[j] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// softmax over each of `rows` contiguous rows of n floats, x to y (which
// may be the same memory): the Softmax kernel's line (backend/cpu/reduce.cpp),
// shared with attention (backend/cpu/fast.cpp).
void softmax_rows(const float* x, float* y, int64_t rows, int64_t n);

}  // namespace ember::cpu
