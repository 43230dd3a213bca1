// Direct float32 convolution (1-D and 2-D, one group) with an AVX-512
// register-tiled kernel: each step multiplies 6 output pixels by a panel
// of up to 64 output channels, reading the receptive fields straight from
// the input (no im2col matrix). The weights are repacked once per call.
// Machines without AVX-512 use the im2col + BLAS path in conv.cpp.
#include "backend/cpu/conv_direct.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"

namespace ember::cpu {

bool direct_conv_supported() {
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
}

namespace {

constexpr int kRows = 6;      // output pixels per tile
constexpr int kPanel = 64;    // output channels per weight panel (4 vectors)
constexpr int kTileBlock = 48;  // tiles per block: the block's outputs stay in L2

struct Geometry {
  int64_t h, w, cin;        // padded input
  int64_t oh, ow, cout;     // output
  int64_t sh, sw;           // strides
  int64_t taps;             // kernel positions
  std::vector<int64_t> tap_off;  // input offset of each kernel position
};

// acc(r, j) += x_r[tap, c] * panel[tap, c, j] over a block of taps.
template <int NV>
__attribute__((target("avx512f,fma"))) void tile_kernel(
    const float* const* rows, const int64_t* tap_off, int64_t ntaps, int64_t cin,
    const float* panel, float* out, int64_t ldo, int nrows, int64_t ncols,
    bool accumulate) {
  __m512 acc[kRows][NV];
  __mmask16 mask[NV];
  for (int j = 0; j < NV; ++j) {
    int64_t left = std::clamp<int64_t>(ncols - 16 * j, 0, 16);
    mask[j] = static_cast<__mmask16>((1u << left) - 1);
  }
#pragma GCC unroll 6
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
#pragma GCC unroll 6
    for (int r = 0; r < kRows; ++r) a[r] = rows[r] + tap_off[t];
    for (int64_t c = 0; c < cin; ++c, b += kPanel) {
      __m512 bv[NV];
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + 16 * j);
#pragma GCC unroll 6
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

using TileFn = void (*)(const float* const*, const int64_t*, int64_t, int64_t,
                        const float*, float*, int64_t, int, int64_t, bool);
constexpr TileFn kTileFns[4] = {tile_kernel<1>, tile_kernel<2>, tile_kernel<3>,
                                tile_kernel<4>};

// Weights (cout, taps, cin) as panels of kPanel channels: for each panel,
// (taps * cin) rows of kPanel floats, zero beyond cout.
std::vector<float> pack_weights(const float* w, const Geometry& g) {
  int64_t k = g.taps * g.cin;
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
                     const Shape& dilation) {
  // 1-D is 2-D with a height of one.
  bool two_d = in_sp.size() == 2;
  Geometry g{two_d ? in_sp[0] : 1, in_sp.back(), cin, two_d ? o_sp[0] : 1, o_sp.back(),
             cout, two_d ? stride[0] : 1, stride.back(), 0, {}};
  int64_t kh = two_d ? k_sp[0] : 1, kw = k_sp.back();
  int64_t dh = two_d ? dilation[0] : 1, dw = dilation.back();
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) g.tap_off.push_back((i * dh * g.w + j * dw) * cin);
  }
  g.taps = kh * kw;
  std::vector<float> packed = pack_weights(w, g);
  int64_t k = g.taps * cin;
  // Taps per pass so that a panel slice stays in L2 (about 192 KB).
  int64_t tap_block = std::max<int64_t>(1, (int64_t(48) << 10) / (cin * kPanel));
  int64_t pixels = n * g.oh * g.ow;
  int64_t tiles = (pixels + kRows - 1) / kRows;
  int64_t blocks = (tiles + kTileBlock - 1) / kTileBlock;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<const float*> row_ptrs(kTileBlock * kRows);
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t t0 = blk * kTileBlock, t1 = std::min(tiles, t0 + kTileBlock);
      // Where each output pixel's receptive field starts in x.
      for (int64_t p = t0 * kRows; p < t1 * kRows; ++p) {
        int64_t q = std::min(p, pixels - 1);  // short last tile: repeat a pixel
        int64_t s = q / (g.oh * g.ow), rem = q % (g.oh * g.ow);
        int64_t oy = rem / g.ow, ox = rem % g.ow;
        row_ptrs[p - t0 * kRows] =
            x + ((s * g.h + oy * g.sh) * g.w + ox * g.sw) * cin;
      }
      for (int64_t co = 0; co < cout; co += kPanel) {
        int64_t ncols = std::min<int64_t>(kPanel, cout - co);
        TileFn fn = kTileFns[(ncols + 15) / 16 - 1];
        const float* panel = packed.data() + (co / kPanel) * k * kPanel;
        for (int64_t tb = 0; tb < g.taps; tb += tap_block) {
          int64_t nt = std::min(tap_block, g.taps - tb);
          for (int64_t t = t0; t < t1; ++t) {
            int nrows = static_cast<int>(std::min<int64_t>(kRows, pixels - t * kRows));
            fn(row_ptrs.data() + (t - t0) * kRows, g.tap_off.data() + tb, nt, cin,
               panel + tb * cin * kPanel, out + t * kRows * cout + co, cout, nrows,
               ncols, tb > 0);
          }
        }
      }
    }
  });
}

}  // namespace ember::cpu
