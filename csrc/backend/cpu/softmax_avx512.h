// float32 softmax pieces in AVX-512 intrinsics, shared by the Softmax
// kernel (backend/cpu/reduce.cpp) and attention (backend/cpu/fast_attention.cpp).
// Written by hand because the compiler leaves the NaN-skipping maximum
// scalar and splits the exponential's subnormal scaling into two steps.
#pragma once
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstdint>

#include "backend/cpu/isa.h"
#include "backend/cpu/simd_math.h"

// GCC 12's _mm512_undefined_ps (inside several intrinsics) reads itself.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace ember::cpu {

// e^(x - top) for x <= top or NaN: the steps of fmath::exp, with the
// power of two applied by one scalef (exact, subnormal results included).
EMBER_TARGET_AVX512 inline __m512 exp_below(__m512 x, __m512 top) {
  using namespace fmath;
  x = _mm512_max_ps(_mm512_set1_ps(-104.0f), _mm512_sub_ps(x, top));  // keeps a NaN
  __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(kExpm1Poly[4]), r, _mm512_set1_ps(kExpm1Poly[3]));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpm1Poly[2]));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpm1Poly[1]));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpm1Poly[0]));
  __m512 e = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(r, r), p, r), _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(e, k);
}

inline __mmask16 tail_mask(int64_t left) {
  return static_cast<__mmask16>((1u << left) - 1);
}

// The largest of n floats (-inf for none). A NaN is skipped: max_ps
// returns its second operand, the running maximum, when either is NaN.
EMBER_TARGET_AVX512 inline float row_max(const float* x, int64_t n) {
  const __m512 lowest = _mm512_set1_ps(-__builtin_inff());
  __m512 m0 = lowest, m1 = lowest, m2 = lowest, m3 = lowest;
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {  // four chains: max_ps's latency
    m0 = _mm512_max_ps(_mm512_loadu_ps(x + j), m0);
    m1 = _mm512_max_ps(_mm512_loadu_ps(x + j + 16), m1);
    m2 = _mm512_max_ps(_mm512_loadu_ps(x + j + 32), m2);
    m3 = _mm512_max_ps(_mm512_loadu_ps(x + j + 48), m3);
  }
  for (; j + 16 <= n; j += 16) m0 = _mm512_max_ps(_mm512_loadu_ps(x + j), m0);
  m0 = _mm512_max_ps(_mm512_mask_loadu_ps(lowest, tail_mask(n - j), x + j), m0);
  return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

// The softmax numerators y = e^(x - max) of a row of n floats (y may be
// x) and the inverse of their sum. A NaN is skipped by the maximum and then
// makes the row NaN, as mx.softmax does. `next`, when given, is the row
// after this one: it is prefetched a line per vector, so its reads overlap
// this row's arithmetic.
EMBER_TARGET_AVX512 inline float softmax_numerators(const float* x, float* y, int64_t n,
                                                    const float* next = nullptr) {
  __m512 top = _mm512_set1_ps(row_max(x, n));
  __m512 t0 = _mm512_setzero_ps(), t1 = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    if (next) _mm_prefetch(reinterpret_cast<const char*>(next + j), _MM_HINT_T0);
    if (next) _mm_prefetch(reinterpret_cast<const char*>(next + j + 16), _MM_HINT_T0);
    __m512 e0 = exp_below(_mm512_loadu_ps(x + j), top);
    __m512 e1 = exp_below(_mm512_loadu_ps(x + j + 16), top);
    _mm512_storeu_ps(y + j, e0);
    _mm512_storeu_ps(y + j + 16, e1);
    t0 = _mm512_add_ps(t0, e0);
    t1 = _mm512_add_ps(t1, e1);
  }
  for (; j < n; j += 16) {
    __mmask16 m = tail_mask(n - j < 16 ? n - j : 16);
    __m512 e = exp_below(_mm512_maskz_loadu_ps(m, x + j), top);
    _mm512_mask_storeu_ps(y + j, m, e);
    t0 = _mm512_mask_add_ps(t0, m, t0, e);
  }
  return 1.0f / _mm512_reduce_add_ps(_mm512_add_ps(t0, t1));
}

// softmax over each of `rows` contiguous rows of n floats, x to y.
EMBER_TARGET_AVX512 inline void softmax_rows_avx512(const float* x, float* y, int64_t rows,
                                                    int64_t n) {
  for (int64_t l = 0; l < rows; ++l) {
    const float* xl = x + l * n;
    float* yl = y + l * n;
    __m512 r = _mm512_set1_ps(softmax_numerators(xl, yl, n, l + 1 < rows ? xl + n : nullptr));
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) _mm512_storeu_ps(yl + j, _mm512_mul_ps(_mm512_loadu_ps(yl + j), r));
    __mmask16 m = tail_mask(n - j);
    _mm512_mask_storeu_ps(yl + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, yl + j), r));
  }
}

}  // namespace ember::cpu

#pragma GCC diagnostic pop
#endif  // __x86_64__
