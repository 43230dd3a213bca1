// Ember's float32 matrix product for AVX-512 CPUs, on one thread (gemm.cpp
// splits large products over the pool). The classic blocked scheme: a
// block of op(B) (kKc deep, up to kNc wide) is packed into panels of 32
// columns, a block of op(A) (an L2's worth of rows) into panels of 14 rows,
// and a register tile of 14 x 32 (28 accumulators) runs over each pair of
// panels. Transposed operands are packed through 16 x 16 in-register
// transposes, so every layout costs about the same. It replaces OpenBLAS
// for float32: no separate pass to zero C (OpenBLAS clears C before
// accumulating), and deep blocks, so C is read and written few times.
#include <algorithm>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
// GCC 12's _mm512_undefined_ps (inside several intrinsics) reads itself.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "backend/cpu/gemm.h"
#include "backend/cpu/isa.h"

namespace ember::cpu {

#if defined(__x86_64__)

namespace {

constexpr int kMr = kGemmF32Rows;  // rows of a register tile
constexpr int kNr = kGemmF32Cols;  // columns of a register tile (two vectors)
// Depth of a block. Fewer passes over C beat keeping a B panel in L1:
// 192 -> 1024 took 1024^3 from 195 to 218 GFLOP/s per core.
constexpr int64_t kKc = 1024;
constexpr int64_t kABlockBytes = 512 << 10;  // an A block stays in L2 (1 MiB)
constexpr int64_t kNc = 4096;  // columns of a B block (each panel is read from
                               // L2 or L3 once per A block)

__mmask16 lanes(int64_t count) {
  return count >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << count) - 1);
}

// Transposes 16 rows of 16 floats in registers: on return r[c] holds
// column c.
EMBER_TARGET_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; ++g) {  // rows 4g .. 4g + 3
    __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
    __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  // u[4g + q] holds, in 128-bit lane L, rows 4g..4g+3 of column 4L + q.
  for (int q = 0; q < 4; ++q) {
    __m512 v0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0x88);
    __m512 v1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0x88);
    __m512 w0 = _mm512_shuffle_f32x4(u[q], u[4 + q], 0xdd);
    __m512 w1 = _mm512_shuffle_f32x4(u[8 + q], u[12 + q], 0xdd);
    r[q] = _mm512_shuffle_f32x4(v0, v1, 0x88);
    r[8 + q] = _mm512_shuffle_f32x4(v0, v1, 0xdd);
    r[4 + q] = _mm512_shuffle_f32x4(w0, w1, 0x88);
    r[12 + q] = _mm512_shuffle_f32x4(w0, w1, 0xdd);
  }
}

// Packs `rows` source rows (src + i * ld, i < rows) over `depth` elements
// into dst[d * stride + i] (width lanes per d; lanes past `rows` get zeros):
// the transposing pack of both operands.
EMBER_TARGET_AVX512 void pack_transposed(const float* src, int64_t ld, int64_t rows,
                                         int64_t depth, float alpha, float* dst, int stride,
                                         int width) {
  __m512 scale = _mm512_set1_ps(alpha);
  for (int64_t i0 = 0; i0 < width; i0 += 16) {
    int64_t nrow = std::clamp<int64_t>(rows - i0, 0, 16);
    __mmask16 out_mask = lanes(std::min<int64_t>(16, width - i0));
    for (int64_t d0 = 0; d0 < depth; d0 += 16) {
      int64_t nd = std::min<int64_t>(16, depth - d0);
      __mmask16 in_mask = lanes(nd);
      __m512 r[16];
      for (int i = 0; i < 16; ++i) {
        r[i] = i < nrow ? _mm512_maskz_loadu_ps(in_mask, src + (i0 + i) * ld + d0)
                        : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int64_t d = 0; d < nd; ++d) {
        _mm512_mask_storeu_ps(dst + (d0 + d) * stride + i0, out_mask,
                              _mm512_mul_ps(r[d], scale));
      }
    }
  }
}

// Packs a block whose rows are contiguous in the source (src + d * ld,
// d < depth, `count` real elements each) into panels `width` wide: element
// (d, i) goes to panel i / width at dst[(i / width) * panel_stride +
// d * width + i % width]; the last panel is padded with zeros. Each source
// row is read once, front to back: rows lie ld apart, often a multiple of
// 4 KiB, where reading a short piece of each row defeats the prefetchers.
EMBER_TARGET_AVX512 void pack_straight(const float* src, int64_t ld, int64_t count,
                                       int64_t depth, float alpha, float* dst, int width,
                                       int64_t panel_stride) {
  __m512 scale = _mm512_set1_ps(alpha);
  bool scaled = alpha != 1.0f;
  int64_t panels = (count + width - 1) / width;
  for (int64_t d = 0; d < depth; ++d) {
    const float* row = src + d * ld;
    for (int64_t p = 0; p < panels; ++p) {
      float* out = dst + p * panel_stride + d * width;
      for (int i0 = 0; i0 < width; i0 += 16) {
        int64_t at = p * width + i0;
        __m512 v = at + 16 <= count
                       ? _mm512_loadu_ps(row + at)
                       : _mm512_maskz_loadu_ps(lanes(std::clamp<int64_t>(count - at, 0, 16)),
                                               row + at);
        if (scaled) v = _mm512_mul_ps(v, scale);
        // Lanes past a narrow panel (width 14) spill onto the next depth
        // row, which is stored after this one; only the last row is masked.
        if (i0 + 16 <= width || d + 1 < depth) {
          _mm512_storeu_ps(out + i0, v);
        } else {
          _mm512_mask_storeu_ps(out + i0, lanes(width - i0), v);
        }
      }
    }
  }
}

// The register tile: C[R x 32] (= or +=) A panel (kc x 14, R used) times
// B panel (kc x 32); columns past `cols` are not written.
template <int R>
EMBER_TARGET_AVX512 void tile(const float* a, const float* b, int64_t kc, float* c,
                              int64_t ldc, int64_t cols, bool accumulate) {
  __m512 acc[R][2];
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    // C's rows lie ldc apart (often a multiple of 4 KiB, which the
    // prefetchers do not follow): fetch them while the products run.
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16), _MM_HINT_T0);
  }
#pragma GCC unroll 2
  for (int64_t d = 0; d < kc; ++d) {
    __m512 b0 = _mm512_loadu_ps(b + d * kNr);
    __m512 b1 = _mm512_loadu_ps(b + d * kNr + 16);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      __m512 ai = _mm512_set1_ps(a[d * kMr + i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  __mmask16 m0 = lanes(cols), m1 = lanes(std::max<int64_t>(cols - 16, 0));
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_maskz_loadu_ps(m0, ci));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_maskz_loadu_ps(m1, ci + 16));
    }
    _mm512_mask_storeu_ps(ci, m0, acc[i][0]);
    _mm512_mask_storeu_ps(ci + 16, m1, acc[i][1]);
  }
}

using TileFn = void (*)(const float*, const float*, int64_t, float*, int64_t, int64_t, bool);
constexpr TileFn kTiles[kMr] = {tile<1>, tile<2>,  tile<3>,  tile<4>,  tile<5>,
                                tile<6>, tile<7>,  tile<8>,  tile<9>,  tile<10>,
                                tile<11>, tile<12>, tile<13>, tile<14>};

}  // namespace

int64_t gemm_f32_panel_floats(bool a_side, int64_t depth) {
  // A cache line more than the panel: panels a multiple of 4 KiB apart put
  // the streams that pack them on one set of L1 lines.
  return depth * (a_side ? kMr : kNr) + 16;
}

void gemm_f32_pack_a(bool ta, const float* a, int64_t lda, int64_t m, int64_t depth,
                     float alpha, float* dst) {
  int64_t stride = gemm_f32_panel_floats(true, depth);
  if (ta) {  // op(A)[i, p] = a[p * lda + i]
    pack_straight(a, lda, m, depth, alpha, dst, kMr, stride);
    return;
  }
  for (int64_t i = 0; i < m; i += kMr) {
    pack_transposed(a + i * lda, lda, std::min<int64_t>(kMr, m - i), depth, alpha,
                    dst + i / kMr * stride, kMr, kMr);
  }
}

void gemm_f32_pack_b(bool tb, const float* b, int64_t ldb, int64_t n, int64_t depth,
                     float* dst) {
  int64_t stride = gemm_f32_panel_floats(false, depth);
  if (!tb) {
    pack_straight(b, ldb, n, depth, 1.0f, dst, kNr, stride);
    return;
  }
  for (int64_t j = 0; j < n; j += kNr) {  // op(B)[p, j] = b[j * ldb + p]
    pack_transposed(b + j * ldb, ldb, std::min<int64_t>(kNr, n - j), depth, 1.0f,
                    dst + j / kNr * stride, kNr, kNr);
  }
}

void gemm_f32_packed(const float* apack, const float* bpack, int64_t m, int64_t n,
                     int64_t depth, float* c, int64_t ldc, bool accumulate) {
  int64_t a_stride = gemm_f32_panel_floats(true, depth);
  int64_t b_stride = gemm_f32_panel_floats(false, depth);
  // One B panel (in L1 or L2) against every A panel of the block.
  for (int64_t j = 0; j < n; j += kNr) {
    const float* bp = bpack + j / kNr * b_stride;
    for (int64_t i = 0; i < m; i += kMr) {
      kTiles[std::min<int64_t>(kMr, m - i) - 1](apack + i / kMr * a_stride, bp, depth,
                                                 c + i * ldc + j, ldc,
                                                 std::min<int64_t>(kNr, n - j), accumulate);
    }
  }
}

void gemm_f32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0 || (k <= 0 && accumulate)) return;
  if (k <= 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
    return;
  }
  int64_t kc_max = std::min(kKc, k);
  int64_t mc_block = std::max<int64_t>(1, kABlockBytes / (4 * kc_max * kMr)) * kMr;
  int64_t b_panels = (std::min(kNc, n) + kNr - 1) / kNr;
  int64_t a_panels = (std::min(mc_block, m) + kMr - 1) / kMr;
  thread_local std::vector<float> bpack, apack;
  bpack.resize(gemm_f32_panel_floats(false, kc_max) * b_panels);
  apack.resize(gemm_f32_panel_floats(true, kc_max) * a_panels);
  for (int64_t j0 = 0; j0 < n; j0 += kNc) {
    int64_t nc = std::min(kNc, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += kKc) {
      int64_t kc = std::min(kKc, k - p0);
      gemm_f32_pack_b(tb, tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0, ldb, nc, kc,
                      bpack.data());
      for (int64_t i0 = 0; i0 < m; i0 += mc_block) {
        int64_t mc = std::min(mc_block, m - i0);
        gemm_f32_pack_a(ta, ta ? a + p0 * lda + i0 : a + i0 * lda + p0, lda, mc, kc, alpha,
                        apack.data());
        gemm_f32_packed(apack.data(), bpack.data(), mc, nc, kc, c + i0 * ldc + j0, ldc,
                        accumulate || p0 > 0);
      }
    }
  }
}

bool gemm_f32_available() { return cpu_isa() == Isa::Avx512; }

#else

// Never called: gemm_f32_available() is false.
bool gemm_f32_available() { return false; }
void gemm_f32(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
              const float*, int64_t, float*, int64_t, bool) {}
int64_t gemm_f32_panel_floats(bool, int64_t) { return 0; }
void gemm_f32_pack_a(bool, const float*, int64_t, int64_t, int64_t, float, float*) {}
void gemm_f32_pack_b(bool, const float*, int64_t, int64_t, int64_t, float*) {}
void gemm_f32_packed(const float*, const float*, int64_t, int64_t, int64_t, float*, int64_t,
                     bool) {}

#endif

}  // namespace ember::cpu
