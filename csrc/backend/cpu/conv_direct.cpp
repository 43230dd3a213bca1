// Direct float32 convolution (1-D and 2-D, one group) with an AVX-512
// register-tiled kernel: each step multiplies 7 output pixels by a panel
// of up to 64 output channels, reading the receptive fields straight from
// the input (no im2col matrix, no padded copy: a kernel position outside
// the input reads a row of zeros). The weights are repacked once per call.
// Machines without AVX-512 use the im2col + BLAS path in conv.cpp.
#include "backend/cpu/conv_direct.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/cpu/isa.h"
#include "core/thread_pool.h"

namespace ember::cpu {

bool direct_conv_supported() {
  static const bool ok = cpu_isa() == Isa::Avx512;  // EMBER_CPU_ISA can lower it
  return ok;
}

namespace {

constexpr int kRows = 7;      // output pixels per tile
constexpr int kPanel = 64;    // output channels per weight panel (4 vectors)
constexpr int kTileBlock = 48;  // tiles per block: the block's outputs stay in L2

struct Geometry {
  int64_t h, w, cin;        // input (unpadded)
  int64_t oh, ow, cout;     // output
  int64_t sh, sw, dh, dw;   // strides and kernel dilations
  int64_t kh, kw;           // kernel size
  int64_t pt, pl;           // padding before the first row and column
  int64_t taps() const { return kh * kw; }
};

// Where each kernel position of pixels [p0, p1) reads its cin inputs, by
// pixel, then position; positions in the padding read `zeros`. Pixels past
// the last (a short last tile) repeat it.
void fill_taps(const float* x, const float* zeros, const Geometry& g, int64_t p0,
               int64_t p1, int64_t pixels, const float** dst) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t q = std::min(p, pixels - 1);
    int64_t s = q / (g.oh * g.ow), rem = q % (g.oh * g.ow);
    int64_t oy = rem / g.ow, ox = rem % g.ow;
    for (int64_t i = 0; i < g.kh; ++i) {
      int64_t iy = oy * g.sh + i * g.dh - g.pt;
      for (int64_t j = 0; j < g.kw; ++j) {
        int64_t ix = ox * g.sw + j * g.dw - g.pl;
        bool inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
        *dst++ = inside ? x + ((s * g.h + iy) * g.w + ix) * g.cin : zeros;
      }
    }
  }
}

// acc(r, j) += x_r[tap, c] * panel[tap, c, j] over a block of taps;
// taps[r * ld + t] is where row r reads kernel position t.
template <int NV>
__attribute__((target("avx512f,fma"))) void tile_kernel(
    const float* const* taps, int64_t ld, int64_t ntaps, int64_t cin,
    const float* panel, float* out, int64_t ldo, int nrows, int64_t ncols,
    bool accumulate) {
  __m512 acc[kRows][NV];
  __mmask16 mask[NV];
  for (int j = 0; j < NV; ++j) {
    int64_t left = std::clamp<int64_t>(ncols - 16 * j, 0, 16);
    mask[j] = static_cast<__mmask16>((1u << left) - 1);
  }
#pragma GCC unroll 7
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      acc[r][j] = accumulate && r < nrows
                      ? _mm512_maskz_loadu_ps(mask[j], out + r * ldo + 16 * j)
                      : _mm512_setzero_ps();
    }
  }
  const float* b = panel;
  for (int64_t t = 0; t < ntaps; ++t) {
    const float* a[kRows];
#pragma GCC unroll 7
    for (int r = 0; r < kRows; ++r) a[r] = taps[r * ld + t];
    for (int64_t c = 0; c < cin; ++c, b += kPanel) {
      __m512 bv[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + 16 * j);
#pragma GCC unroll 7
      for (int r = 0; r < kRows; ++r) {
        __m512 av = _mm512_set1_ps(a[r][c]);
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_fmadd_ps(av, bv[j], acc[r][j]);
      }
    }
  }
  for (int r = 0; r < nrows; ++r) {
    for (int j = 0; j < NV; ++j) {
      _mm512_mask_storeu_ps(out + r * ldo + 16 * j, mask[j], acc[r][j]);
    }
  }
}

// The kernel for whole 64-channel panels: 7 pixels x 4 vectors, 28
// accumulators and the 4 panel vectors in the 32 registers. Each product
// reads its pixel's input straight from memory as a broadcast operand
// ({1to16}); the empty asm statements stop GCC from loading that value
// once into a register for all four products, which needs a 33rd.
#define EMBER_ZERO_ROW(r)                                                  \
  __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = _mm512_setzero_ps(),     \
         c##r##2 = _mm512_setzero_ps(), c##r##3 = _mm512_setzero_ps();
#define EMBER_FMA(r, j)                                                    \
  c##r##j = _mm512_fmadd_ps(_mm512_set1_ps(a##r[c]), b##j, c##r##j);      \
  asm volatile("" ::: "memory");
#define EMBER_FMA_ROW(r) EMBER_FMA(r, 0) EMBER_FMA(r, 1) EMBER_FMA(r, 2) EMBER_FMA(r, 3)
#define EMBER_STORE(r, j)                                                  \
  _mm512_storeu_ps(o + 16 * j,                                             \
                   accumulate ? _mm512_add_ps(c##r##j, _mm512_loadu_ps(o + 16 * j)) : c##r##j);
#define EMBER_STORE_ROW(r)                                                 \
  if (r < nrows) {                                                         \
    float* o = out + r * ldo;                                              \
    EMBER_STORE(r, 0) EMBER_STORE(r, 1) EMBER_STORE(r, 2) EMBER_STORE(r, 3) \
  }

static_assert(kRows == 7 && kPanel == 64, "tile_full is written for 7 x 64 tiles");

__attribute__((target("avx512f,fma"))) void tile_full(
    const float* const* taps, int64_t ld, int64_t ntaps, int64_t cin,
    const float* panel, float* out, int64_t ldo, int nrows, int64_t,
    bool accumulate) {
  EMBER_ZERO_ROW(0) EMBER_ZERO_ROW(1) EMBER_ZERO_ROW(2) EMBER_ZERO_ROW(3)
  EMBER_ZERO_ROW(4) EMBER_ZERO_ROW(5) EMBER_ZERO_ROW(6)
  // The output rows are fetched for writing while the tile computes.
  for (int r = 0; r < nrows; ++r) {
    for (int j = 0; j < 4; ++j) {
      _mm_prefetch(reinterpret_cast<const char*>(out + r * ldo + 16 * j), _MM_HINT_ET0);
    }
  }
  const float* b = panel;
  for (int64_t t = 0; t < ntaps; ++t) {
    const float *a0 = taps[t], *a1 = taps[ld + t], *a2 = taps[2 * ld + t],
                *a3 = taps[3 * ld + t], *a4 = taps[4 * ld + t], *a5 = taps[5 * ld + t],
                *a6 = taps[6 * ld + t];
    for (int64_t c = 0; c < cin; ++c, b += kPanel) {
      __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16),
             b2 = _mm512_loadu_ps(b + 32), b3 = _mm512_loadu_ps(b + 48);
      EMBER_FMA_ROW(0) EMBER_FMA_ROW(1) EMBER_FMA_ROW(2) EMBER_FMA_ROW(3)
      EMBER_FMA_ROW(4) EMBER_FMA_ROW(5) EMBER_FMA_ROW(6)
    }
  }
  EMBER_STORE_ROW(0) EMBER_STORE_ROW(1) EMBER_STORE_ROW(2) EMBER_STORE_ROW(3)
  EMBER_STORE_ROW(4) EMBER_STORE_ROW(5) EMBER_STORE_ROW(6)
}

#undef EMBER_ZERO_ROW
#undef EMBER_FMA
#undef EMBER_FMA_ROW
#undef EMBER_STORE
#undef EMBER_STORE_ROW

using TileFn = void (*)(const float* const*, int64_t, int64_t, int64_t,
                        const float*, float*, int64_t, int, int64_t, bool);
// Indexed by vectors - 1: partial panels take the generic kernel.
constexpr TileFn kTileFns[4] = {tile_kernel<1>, tile_kernel<2>, tile_kernel<3>, tile_full};

// Weights (cout, taps, cin) as panels of kPanel channels: for each panel,
// (taps * cin) rows of kPanel floats, zero beyond cout.
std::vector<float> pack_weights(const float* w, const Geometry& g) {
  int64_t k = g.taps() * g.cin;
  int64_t panels = (g.cout + kPanel - 1) / kPanel;
  std::vector<float> packed(static_cast<size_t>(panels * k * kPanel), 0.0f);
  for (int64_t co = 0; co < g.cout; ++co) {
    float* dst = packed.data() + (co / kPanel) * k * kPanel + co % kPanel;
    const float* src = w + co * k;
    for (int64_t i = 0; i < k; ++i) dst[i * kPanel] = src[i];
  }
  return packed;
}

}  // namespace

void direct_conv_f32(const float* x, const float* w, float* out, int64_t n,
                     const Shape& in_sp, const Shape& k_sp, const Shape& o_sp,
                     int64_t cin, int64_t cout, const Shape& stride,
                     const Shape& dilation, const Shape& pad_lo) {
  // 1-D is 2-D with a height of one.
  bool two_d = in_sp.size() == 2;
  auto outer = [&](const Shape& v, int64_t one) { return two_d ? v[0] : one; };
  Geometry g{outer(in_sp, 1), in_sp.back(), cin, outer(o_sp, 1), o_sp.back(), cout,
             outer(stride, 1), stride.back(), outer(dilation, 1), dilation.back(),
             outer(k_sp, 1), k_sp.back(), outer(pad_lo, 0), pad_lo.back()};
  std::vector<float> packed = pack_weights(w, g);
  std::vector<float> zeros(static_cast<size_t>(cin), 0.0f);
  int64_t taps = g.taps(), k = taps * cin;
  // Taps per pass so that a panel slice stays in L2 (about 192 KB).
  int64_t tap_block = std::max<int64_t>(1, (int64_t(48) << 10) / (cin * kPanel));
  int64_t pixels = n * g.oh * g.ow;
  int64_t tiles = (pixels + kRows - 1) / kRows;
  // Fewer tiles per block for large kernels: the block's table of input
  // rows stays under 128 KB.
  int64_t tile_block = std::clamp<int64_t>((int64_t(16) << 10) / (kRows * taps), 1, kTileBlock);
  int64_t blocks = (tiles + tile_block - 1) / tile_block;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<const float*> tap_ptrs(tile_block * kRows * taps);
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t t0 = blk * tile_block, t1 = std::min(tiles, t0 + tile_block);
      fill_taps(x, zeros.data(), g, t0 * kRows, t1 * kRows, pixels, tap_ptrs.data());
      for (int64_t co = 0; co < cout; co += kPanel) {
        int64_t ncols = std::min<int64_t>(kPanel, cout - co);
        TileFn fn = kTileFns[(ncols + 15) / 16 - 1];
        const float* panel = packed.data() + (co / kPanel) * k * kPanel;
        for (int64_t tb = 0; tb < taps; tb += tap_block) {
          int64_t nt = std::min(tap_block, taps - tb);
          for (int64_t t = t0; t < t1; ++t) {
            int nrows = static_cast<int>(std::min<int64_t>(kRows, pixels - t * kRows));
            fn(tap_ptrs.data() + (t - t0) * kRows * taps + tb, taps, nt, cin,
               panel + tb * cin * kPanel, out + t * kRows * cout + co, cout, nrows,
               ncols, tb > 0);
          }
        }
      }
    }
  });
}

}  // namespace ember::cpu
