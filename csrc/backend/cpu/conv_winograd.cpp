// float32 3x3 stride-1 convolution by Winograd's F(2x2, 3x3): each 2x2 block
// of outputs comes from a 4x4 block of inputs with 16 multiplies per
// channel pair instead of 36. Per block of tiles, on one thread:
//   V[e] = B^T d B   the 4x4 input tiles, 16 matrices (tiles x cin);
//   M[e] = V[e] U[e] 16 products through gemm_f32's packed tiles, with
//                    U[e] = G g G^T the weights, transformed and packed once;
//   y    = A^T M A   the 2x2 outputs.
// The block's matrices and the transformed kernels stay in L2. Padding is
// read as zeros in place.
#include "backend/cpu/conv_winograd.h"

#include <algorithm>
#include <vector>

#include "backend/cpu/gemm.h"
#include "core/thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ember::cpu {

namespace {

constexpr int64_t kTiles = 28;  // tiles per block: 2 GEMM row tiles; measured best
constexpr int kE = 16;          // elements of a transformed tile

struct Geometry {
  int64_t h, w, cin, oh, ow, cout, pt, pl;
  int64_t th, tw;  // tiles down and across
};

#if defined(__x86_64__)

// V[e][r][c] of the block's tiles [t0, t0 + nt): B^T d B, 16 channels at a time.
__attribute__((target("avx512f"))) void input_tiles(const float* x, const Geometry& g,
                                                    int64_t t0, int64_t nt, float* v) {
  const int64_t per_image = g.th * g.tw;
  for (int64_t r = 0; r < nt; ++r) {
    int64_t t = t0 + r, s = t / per_image;
    int64_t iy0 = (t % per_image) / g.tw * 2 - g.pt, ix0 = t % g.tw * 2 - g.pl;
    const float* rows[4];
    bool col_in[4];
    for (int i = 0; i < 4; ++i) {
      int64_t iy = iy0 + i;
      rows[i] = iy >= 0 && iy < g.h ? x + (s * g.h + iy) * g.w * g.cin : nullptr;
      col_in[i] = ix0 + i >= 0 && ix0 + i < g.w;
    }
    for (int64_t c = 0; c < g.cin; c += 16) {
      __m512 d[4][4];
      for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
          d[i][j] = rows[i] && col_in[j] ? _mm512_loadu_ps(rows[i] + (ix0 + j) * g.cin + c)
                                         : _mm512_setzero_ps();
        }
      }
      __m512 b[4][4];
      for (int j = 0; j < 4; ++j) {  // B^T d
        b[0][j] = _mm512_sub_ps(d[0][j], d[2][j]);
        b[1][j] = _mm512_add_ps(d[1][j], d[2][j]);
        b[2][j] = _mm512_sub_ps(d[2][j], d[1][j]);
        b[3][j] = _mm512_sub_ps(d[1][j], d[3][j]);
      }
      for (int i = 0; i < 4; ++i) {  // (B^T d) B
        __m512 e[4] = {_mm512_sub_ps(b[i][0], b[i][2]), _mm512_add_ps(b[i][1], b[i][2]),
                       _mm512_sub_ps(b[i][2], b[i][1]), _mm512_sub_ps(b[i][1], b[i][3])};
        for (int j = 0; j < 4; ++j) {
          _mm512_storeu_ps(v + ((i * 4 + j) * nt + r) * g.cin + c, e[j]);
        }
      }
    }
  }
}

// y of the block's tiles from M[e][r][co]: A^T M A, written where inside.
__attribute__((target("avx512f"))) void output_tiles(const float* m, const Geometry& g,
                                                     int64_t t0, int64_t nt, float* y) {
  const int64_t per_image = g.th * g.tw;
  for (int64_t r = 0; r < nt; ++r) {
    int64_t t = t0 + r, s = t / per_image;
    int64_t oy = (t % per_image) / g.tw * 2, ox = t % g.tw * 2;
    for (int64_t c = 0; c < g.cout; c += 16) {
      const float* mc = m + r * g.cout + c;  // element e at mc + e * step
      const int64_t step = nt * g.cout;
      __m512 a[2][4];
      for (int j = 0; j < 4; ++j) {  // A^T M
        __m512 m0 = _mm512_loadu_ps(mc + j * step), m1 = _mm512_loadu_ps(mc + (4 + j) * step),
               m2 = _mm512_loadu_ps(mc + (8 + j) * step), m3 = _mm512_loadu_ps(mc + (12 + j) * step);
        a[0][j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
        a[1][j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
      }
      for (int i = 0; i < 2 && oy + i < g.oh; ++i) {  // (A^T M) A
        __m512 o[2] = {_mm512_add_ps(_mm512_add_ps(a[i][0], a[i][1]), a[i][2]),
                       _mm512_sub_ps(_mm512_sub_ps(a[i][1], a[i][2]), a[i][3])};
        for (int j = 0; j < 2 && ox + j < g.ow; ++j) {
          _mm512_storeu_ps(y + ((s * g.oh + oy + i) * g.ow + ox + j) * g.cout + c, o[j]);
        }
      }
    }
  }
}

// U[e] (cout x cin, row-major) = G g G^T of each (co, ci) kernel g, 16
// input channels at a time.
__attribute__((target("avx512f"))) std::vector<float> transform_weights(
    const float* w, int64_t cin, int64_t cout) {
  std::vector<float> u(static_cast<size_t>(kE * cin * cout));
  const __m512 half = _mm512_set1_ps(0.5f);
  for (int64_t co = 0; co < cout; ++co) {
    for (int64_t c = 0; c < cin; c += 16) {
      __m512 t[4][3];
      for (int j = 0; j < 3; ++j) {  // G g: along the kernel's rows
        const float* g = w + (co * 9 + j) * cin + c;  // kernel row i at g + 3 i cin
        __m512 g0 = _mm512_loadu_ps(g), g1 = _mm512_loadu_ps(g + 3 * cin),
               g2 = _mm512_loadu_ps(g + 6 * cin), outer = _mm512_add_ps(g0, g2);
        t[0][j] = g0;
        t[1][j] = _mm512_mul_ps(half, _mm512_add_ps(outer, g1));
        t[2][j] = _mm512_mul_ps(half, _mm512_sub_ps(outer, g1));
        t[3][j] = g2;
      }
      for (int i = 0; i < 4; ++i) {  // (G g) G^T: along its columns
        __m512 outer = _mm512_add_ps(t[i][0], t[i][2]);
        __m512 r[4] = {t[i][0], _mm512_mul_ps(half, _mm512_add_ps(outer, t[i][1])),
                       _mm512_mul_ps(half, _mm512_sub_ps(outer, t[i][1])), t[i][2]};
        for (int j = 0; j < 4; ++j) {
          _mm512_storeu_ps(u.data() + ((i * 4 + j) * cout + co) * cin + c, r[j]);
        }
      }
    }
  }
  return u;
}

#endif  // __x86_64__

}  // namespace

bool winograd_conv_supported(int64_t cin, int64_t cout, int64_t oh, int64_t ow, int64_t n) {
#if defined(__x86_64__)
  // Every block reads all 16 transformed kernels: they must stay in L2
  // (cin * cout <= 8192 keeps them within 512 KiB). Below 16 tiles the
  // kernel transform costs more than the direct kernel's extra products.
  int64_t tiles = n * ((oh + 1) / 2) * ((ow + 1) / 2);
  return gemm_f32_available() && cin % 16 == 0 && cout % 16 == 0 && cin * cout <= 8192 &&
         tiles >= 16;
#else
  return false;
#endif
}

void winograd_conv_f32(const float* x, const float* w, float* y, int64_t n, int64_t h,
                       int64_t wd, int64_t cin, int64_t oh, int64_t ow, int64_t cout,
                       int64_t pad_top, int64_t pad_left) {
#if defined(__x86_64__)
  Geometry g{h, wd, cin, oh, ow, cout, pad_top, pad_left, (oh + 1) / 2, (ow + 1) / 2};
  std::vector<float> u = transform_weights(w, cin, cout);
  const int64_t bpanel = gemm_f32_panel_floats(false, cin) * ((cout + kGemmF32Cols - 1) / kGemmF32Cols);
  const int64_t apanel = gemm_f32_panel_floats(true, cin) * ((kTiles + kGemmF32Rows - 1) / kGemmF32Rows);
  std::vector<float> upack(static_cast<size_t>(kE * bpanel));
  for (int e = 0; e < kE; ++e) {
    gemm_f32_pack_b(true, u.data() + e * cin * cout, cin, cout, cin, upack.data() + e * bpanel);
  }
  int64_t tiles = n * g.th * g.tw;
  int64_t blocks = (tiles + kTiles - 1) / kTiles;
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> v(static_cast<size_t>(kE * kTiles * cin));
    std::vector<float> vpack(static_cast<size_t>(apanel));
    std::vector<float> m(static_cast<size_t>(kE * kTiles * cout));
    for (int64_t blk = b0; blk < b1; ++blk) {
      int64_t t0 = blk * kTiles, nt = std::min(kTiles, tiles - t0);
      input_tiles(x, g, t0, nt, v.data());
      for (int e = 0; e < kE; ++e) {
        gemm_f32_pack_a(false, v.data() + e * nt * cin, cin, nt, cin, 1.0f, vpack.data());
        gemm_f32_packed(vpack.data(), upack.data() + e * bpanel, nt, cout, cin,
                        m.data() + e * nt * cout, cout, false);
      }
      output_tiles(m.data(), g, t0, nt, y);
    }
  });
#else
  (void)x, (void)w, (void)y, (void)n, (void)h, (void)wd, (void)cin, (void)oh, (void)ow;
  (void)cout, (void)pad_top, (void)pad_left;
#endif
}

}  // namespace ember::cpu
