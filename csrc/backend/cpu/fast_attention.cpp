// scaled_dot_product_attention on the CPU, by blocks of query rows: the
// scores of a block, then the mask and softmax of each row, then the
// weighted sum of the values. float32 on AVX-512 keeps a head's keys
// packed for gemm_f32's tiles across its query blocks, the block's scores
// in L2, and the weighted sum in registers with the softmax's 1/sum applied
// to the output rows. Head sizes of 64 make products with k = 64, which
// BLAS runs at well under half its peak. Other dtypes and CPUs go through
// gemm. The float32 gradient (AttentionVJP) keeps a block's probabilities
// and their gradient in L2, one (batch, key head) per task.

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/isa.h"
#include "backend/cpu/rows.h"
#include "backend/cpu/simd_math.h"
#include "backend/cpu/softmax_avx512.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "fast/fast.h"

#if defined(__x86_64__)
#include <immintrin.h>
// GCC 12's _mm512_undefined_ps (inside several intrinsics) reads itself.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ember::fast {

namespace {

using MaskKind = ScaledDotProductAttention::Mask;

// Where the mask of one attention comes from.
struct MaskInfo {
  MaskKind kind;
  const array* mask;  // the Bool or Additive mask, a broadcast view
  int64_t tq, tk;
};

// Masks the first n scores of query qi of (batch bi, head h): hidden keys
// get `lowest`; additive masks are added, rounded to T as the composed
// ops would.
template <typename T, typename A>
void mask_row(A* row, int64_t n, const MaskInfo& m, int64_t bi, int64_t h, int64_t qi,
              A lowest) {
  if (m.kind == MaskKind::Causal) {
    // Lower-right aligned: query qi sees keys up to qi + tk - tq.
    for (int64_t j = std::max<int64_t>(0, qi + m.tk - m.tq + 1); j < n; ++j) row[j] = lowest;
  } else if (m.mask) {
    auto& st = m.mask->strides();
    int64_t base = bi * st[0] + h * st[1] + qi * st[2];
    if (m.kind == MaskKind::Bool) {
      const bool* mp = m.mask->data<bool>() + base;
      for (int64_t j = 0; j < n; ++j) {
        if (!mp[j * st[3]]) row[j] = lowest;
      }
    } else {
      const T* mp = m.mask->data<T>() + base;
      for (int64_t j = 0; j < n; ++j) row[j] = A(static_cast<T>(row[j] + A(mp[j * st[3]])));
    }
  }
}

// A (B, H, T, D) float32 operand read in place: row t of head (b, h)
// starts at p + b * s0 + h * s1 + t * s2 and its D values are contiguous.
struct Heads {
  const float* p;
  int64_t s0, s1, s2;
  const float* at(int64_t b, int64_t h, int64_t t) const { return p + b * s0 + h * s1 + t * s2; }
};

// x as Heads: in place when its rows are contiguous and at least a row
// apart (a transposed (B, T, H, D) view, as multi-head attention makes),
// so no copy is made; else a row-contiguous copy, kept alive in `keep`.
Heads heads_of(const array& x, std::vector<array>& keep) {
  auto& st = x.strides();
  bool in_place = st[3] == 1 && st[2] >= x.shape()[3] && st[1] >= 0 && st[0] >= 0;
  keep.push_back(in_place ? x : cpu::ensure_row_contiguous(x));
  auto& k = keep.back().strides();
  return {keep.back().data<float>(), k[0], k[1], k[2]};
}

// Query rows per block of the generic path: bigger blocks pack each head's
// keys fewer times (64 -> 256 rows: 15.7 -> 14.9 ms for 8 heads x 1024 x 64).
constexpr int64_t kQueryBlock = 256;

template <typename T>
void attention_generic(const T* qs, const T* ks, const T* vs, T* os, int64_t b, int64_t hq,
                       int64_t hk, int64_t tq, int64_t tk, int64_t dq, int64_t dv, float scale_in,
                       const MaskInfo& mi, const T* sinks, Dtype dtype) {
  using A = compute_t<T>;
  int64_t rep = hq / hk;
  const A lowest = A(-float_max(dtype));
  auto rt = [](A x) { return A(static_cast<T>(x)); };
  const A scale = rt(A(scale_in));
  parallel_for(b * hq, 1, [&](int64_t p0, int64_t p1) {
    std::vector<A> kf(tk * dq), vf(tk * dv), qf(kQueryBlock * dq), sc(kQueryBlock * tk),
        of(kQueryBlock * dv);
    int64_t loaded = -1;  // the (batch, kv head) whose keys are in kf/vf
    for (int64_t p = p0; p < p1; ++p) {
      int64_t bi = p / hq, h = p % hq, kvh = h / rep;
      if (loaded != bi * hk + kvh) {
        const T* kp = ks + (bi * hk + kvh) * tk * dq;
        const T* vp = vs + (bi * hk + kvh) * tk * dv;
        for (int64_t i = 0; i < tk * dq; ++i) kf[i] = A(kp[i]);
        for (int64_t i = 0; i < tk * dv; ++i) vf[i] = A(vp[i]);
        loaded = bi * hk + kvh;
      }
      A sink = sinks ? A(sinks[h]) : A(0);
      for (int64_t r0 = 0; r0 < tq; r0 += kQueryBlock) {
        int64_t nr = std::min(kQueryBlock, tq - r0);
        const T* qp = qs + ((bi * hq + h) * tq + r0) * dq;
        // Half types round where the composed ops would (scaled q, the
        // scores, the probabilities), so both agree closely.
        for (int64_t i = 0; i < nr * dq; ++i) qf[i] = rt(A(qp[i]) * scale);
        if (tk > 0) {
          cpu::gemm<A>(false, true, nr, tk, dq, A(1), qf.data(), dq, kf.data(), dq, sc.data(),
                       tk);
        }
        for (int64_t i = 0; i < nr * tk; ++i) sc[i] = rt(sc[i]);
        for (int64_t r = 0; r < nr; ++r) {
          A* row = sc.data() + r * tk;
          mask_row<T, A>(row, tk, mi, bi, h, r0 + r, lowest);
          if constexpr (std::is_same_v<T, float>) {
            if (!sinks) {  // the vectorized softmax line of mx.softmax
              cpu::softmax_rows(row, row, 1, tk);
              continue;
            }
          }
          A mx = sinks ? sink : lowest;
          for (int64_t j = 0; j < tk; ++j) mx = std::max(mx, row[j]);
          A total = sinks ? std::exp(sink - mx) : A(0);
          for (int64_t j = 0; j < tk; ++j) {
            row[j] = std::exp(row[j] - mx);
            total += row[j];
          }
          A norm = total > 0 ? A(1) / total : A(0);
          for (int64_t j = 0; j < tk; ++j) row[j] = rt(row[j] * norm);
        }
        if (tk > 0) {
          cpu::gemm<A>(false, false, nr, dv, tk, A(1), sc.data(), tk, vf.data(), dv, of.data(),
                       dv);
        } else {
          std::fill(of.begin(), of.begin() + nr * dv, A(0));
        }
        T* op = os + ((bi * hq + h) * tq + r0) * dv;
        for (int64_t i = 0; i < nr * dv; ++i) op[i] = static_cast<T>(of[i]);
      }
    }
  });
}

#if defined(__x86_64__)

constexpr int kSumRows = 6;     // rows per weighted-sum tile: up to 24 accumulators
constexpr int kSumVectors = 4;  // value columns per weighted-sum tile, in vectors

// R rows of weights (p, row stride ldp) times the first n value rows (v,
// row stride ldv), V vectors wide, each output row times its scale, into o
// (row stride ldo).
template <int R, int V>
EMBER_TARGET_AVX512 void sum_tile(const float* p, int64_t ldp, int64_t n, const float* v,
                                  int64_t ldv, const float* scale, float* o, int64_t ldo) {
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 4
    for (int c = 0; c < V; ++c) acc[i][c] = _mm512_setzero_ps();
  }
  for (int64_t j = 0; j < n; ++j) {
    __m512 vj[V];
#pragma GCC unroll 4
    for (int c = 0; c < V; ++c) vj[c] = _mm512_loadu_ps(v + j * ldv + 16 * c);
#pragma GCC unroll 8
    for (int i = 0; i < R; ++i) {
      __m512 pij = _mm512_set1_ps(p[i * ldp + j]);
#pragma GCC unroll 4
      for (int c = 0; c < V; ++c) acc[i][c] = _mm512_fmadd_ps(pij, vj[c], acc[i][c]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < R; ++i) {
    __m512 si = _mm512_set1_ps(scale[i]);
#pragma GCC unroll 4
    for (int c = 0; c < V; ++c) {
      _mm512_storeu_ps(o + i * ldo + 16 * c, _mm512_mul_ps(acc[i][c], si));
    }
  }
}

using SumTile = void (*)(const float*, int64_t, int64_t, const float*, int64_t, const float*,
                        float*, int64_t);

template <int R, int... I>
constexpr std::array<SumTile, sizeof...(I)> sum_tiles_of(std::integer_sequence<int, I...>) {
  return {&sum_tile<R, I + 1>...};
}

template <int... I>
constexpr std::array<std::array<SumTile, kSumVectors>, sizeof...(I)> sum_tiles(
    std::integer_sequence<int, I...>) {
  return {sum_tiles_of<I + 1>(std::make_integer_sequence<int, kSumVectors>())...};
}

// Indexed by rows - 1 (and vectors - 1).
constexpr auto kSumTiles = sum_tiles(std::make_integer_sequence<int, kSumRows>());

// Attention of float32 heads whose value size is a multiple of 16, on AVX-512.
void attention_f32(const Heads& qs, const Heads& ks, const Heads& vs, float* os, int64_t b,
                   int64_t hq, int64_t hk, int64_t tq, int64_t tk, int64_t dq, int64_t dv,
                   float scale, const MaskInfo& mi) {
  int64_t rep = hq / hk;
  constexpr int64_t kTileRows = cpu::kGemmF32Rows, kTileCols = cpu::kGemmF32Cols;
  int64_t lds = (tk + kTileCols - 1) / kTileCols * kTileCols;
  // A block's scores take about 256 KiB (L2 holds them with the keys and
  // values of one head).
  int64_t rows = std::clamp<int64_t>((int64_t(1) << 16) / lds / kTileRows, 1, 8) * kTileRows;
  int64_t blocks = (tq + rows - 1) / rows;
  const float lowest = -float_max(float32);
  int64_t key_floats = cpu::gemm_f32_panel_floats(false, dq) * (lds / kTileCols);
  int64_t query_floats = cpu::gemm_f32_panel_floats(true, dq) * (rows / kTileRows);
  parallel_for(b * hq * blocks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> keys(key_floats), qb(query_floats), s(rows * lds), inv(rows);
    int64_t packed = -1;  // the (batch, kv head) whose keys are in `keys`
    for (int64_t item = lo; item < hi; ++item) {
      int64_t head = item / blocks, r0 = (item % blocks) * rows;
      int64_t bi = head / hq, h = head % hq, kv = bi * hk + h / rep;
      if (packed != kv) {  // the scores' B operand: keys transposed
        cpu::gemm_f32_pack_b(true, ks.at(bi, kv % hk, 0), ks.s2, tk, dq, keys.data());
        packed = kv;
      }
      int64_t nr = std::min(rows, tq - r0);
      // Under a causal mask, keys past what the block's last row sees get
      // zero weight: they are skipped unless some row sees no key at all
      // (such a row spreads its weight over every key).
      int64_t n = tk;
      if (mi.kind == MaskKind::Causal && r0 + tk - tq >= 0) {
        n = std::min(tk, r0 + nr + tk - tq);
      }
      // Scores: the block's queries times scale, against the first n keys.
      cpu::gemm_f32_pack_a(false, qs.at(bi, h, r0), qs.s2, nr, dq, scale, qb.data());
      cpu::gemm_f32_packed(qb.data(), keys.data(), nr, n, dq, s.data(), lds, false);
      for (int64_t r = 0; r < nr; ++r) {
        float* row = s.data() + r * lds;
        mask_row<float, float>(row, n, mi, bi, h, r0 + r, lowest);
        inv[r] = cpu::softmax_numerators(row, row, n);
      }
      const float* vp = vs.at(bi, kv % hk, 0);
      float* op = os + (head * tq + r0) * dv;
      for (int64_t c = 0; c < dv; c += 16 * kSumVectors) {
        int64_t nv = std::min<int64_t>(kSumVectors, (dv - c) / 16);
        for (int64_t r = 0; r < nr; r += kSumRows) {
          int64_t m = std::min<int64_t>(kSumRows, nr - r);
          kSumTiles[m - 1][nv - 1](s.data() + r * lds, lds, n, vp + c, vs.s2, inv.data() + r,
                                  op + r * dv + c, dv);
        }
      }
    }
  });
}

#endif  // __x86_64__

}  // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs,
                                         std::vector<array>& outputs) {
  array& out = outputs[0];
  out.set_data(allocate(out.nbytes()));
  const Shape &qsh = inputs[0].shape(), &ksh = inputs[1].shape();
  int64_t b = qsh[0], hq = qsh[1], tq = qsh[2], dq = qsh[3];
  int64_t hk = ksh[1], tk = ksh[2], dv = inputs[2].shape()[3];
  size_t next = 3;
  const array* mask = mask_ == Mask::Bool || mask_ == Mask::Additive ? &inputs[next++] : nullptr;
  std::optional<array> sinks;
  if (has_sinks_) sinks = cpu::ensure_row_contiguous(inputs[next]);
  if (out.size() == 0) return;
  MaskInfo mi{mask_, mask, tq, tk};
#if defined(__x86_64__)
  if (out.dtype() == float32 && !sinks && tk > 0 && dv % 16 == 0 &&
      cpu::gemm_f32_available()) {
    std::vector<array> keep;
    Heads q = heads_of(inputs[0], keep), k = heads_of(inputs[1], keep);
    Heads v = heads_of(inputs[2], keep);
    attention_f32(q, k, v, out.data<float>(), b, hq, hk, tq, tk, dq, dv, scale_, mi);
    return;
  }
#endif
  array q = cpu::ensure_row_contiguous(inputs[0]);
  array k = cpu::ensure_row_contiguous(inputs[1]);
  array v = cpu::ensure_row_contiguous(inputs[2]);
  dispatch_float(out.dtype(), "scaled_dot_product_attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    attention_generic<T>(q.data<T>(), k.data<T>(), v.data<T>(), out.data<T>(), b, hq, hk, tq,
                         tk, dq, dv, scale_, mi, sinks ? sinks->data<T>() : nullptr,
                         out.dtype());
  });
}

// For each block of query rows, with P = softmax(scale q k^T + mask):
//   dv += P^T do,  dS = P * (do v^T - rowsum(do * o)),
//   dq = scale dS k,  dk += scale dS^T q.
void AttentionVJP::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  std::vector<array> keep;
  Heads qs = heads_of(inputs[0], keep), ks = heads_of(inputs[1], keep);
  Heads vs = heads_of(inputs[2], keep), os = heads_of(inputs[3], keep);
  Heads gs = heads_of(inputs[4], keep);
  for (auto& out : outputs) out.set_data(allocate(out.nbytes()));
  const Shape &qsh = inputs[0].shape(), &ksh = inputs[1].shape();
  int64_t b = qsh[0], hq = qsh[1], tq = qsh[2], dq = qsh[3], hk = ksh[1], tk = ksh[2];
  int64_t dv = inputs[2].shape()[3], rep = hq / hk;
  float *dqs = outputs[0].data<float>(), *dks = outputs[1].data<float>();
  float* dvs = outputs[2].data<float>();
  // About 128 KiB of probabilities per block, kept in L2 with their gradient.
  int64_t rows = std::clamp<int64_t>((int64_t(1) << 15) / std::max<int64_t>(tk, 1), 16, 256);
  rows = std::max<int64_t>(1, std::min(rows, tq));
  MaskInfo mi{causal_ ? MaskKind::Causal : MaskKind::None, nullptr, tq, tk};
  const float lowest = -float_max(float32);
  float scale = scale_;
  parallel_for(b * hk, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> p(rows * tk), dp(rows * tk);
    for (int64_t kvh = lo; kvh < hi; ++kvh) {
      int64_t bi = kvh / hk;
      const float* kp = ks.at(bi, kvh % hk, 0);
      const float* vp = vs.at(bi, kvh % hk, 0);
      float* dkp = dks + kvh * tk * dq;
      float* dvp = dvs + kvh * tk * dv;
      bool first = true;
      for (int64_t h = (kvh % hk) * rep; h < (kvh % hk + 1) * rep; ++h) {
        int64_t head = bi * hq + h;
        for (int64_t r0 = 0; r0 < tq; r0 += rows) {
          int64_t nr = std::min(rows, tq - r0);
          const float* qb = qs.at(bi, h, r0);
          const float* gb = gs.at(bi, h, r0);
          const float* ob = os.at(bi, h, r0);
          cpu::gemm<float>(false, true, nr, tk, dq, scale, qb, qs.s2, kp, ks.s2, p.data(), tk);
          for (int64_t r = 0; r < nr; ++r) {
            float* row = p.data() + r * tk;
            mask_row<float, float>(row, tk, mi, bi, h, r0 + r, lowest);
            cpu::softmax_rows(row, row, 1, tk);
          }
          cpu::gemm<float>(true, false, tk, dv, nr, 1.0f, p.data(), tk, gb, gs.s2, dvp, dv,
                           !first);
          cpu::gemm<float>(false, true, nr, tk, dv, 1.0f, gb, gs.s2, vp, vs.s2, dp.data(), tk);
          for (int64_t r = 0; r < nr; ++r) {
            float d = 0.0f;
            for (int64_t c = 0; c < dv; ++c) d += gb[r * gs.s2 + c] * ob[r * os.s2 + c];
            float* ds = dp.data() + r * tk;
            const float* pr = p.data() + r * tk;
            for (int64_t j = 0; j < tk; ++j) ds[j] = pr[j] * (ds[j] - d);
            // Hidden scores are constants: nothing flows back through them
            // (a row that sees no key has uniform, nonzero weights there).
            if (causal_) {
              for (int64_t j = std::max<int64_t>(0, r0 + r + tk - tq + 1); j < tk; ++j) ds[j] = 0;
            }
          }
          cpu::gemm<float>(false, false, nr, dq, tk, scale, dp.data(), tk, kp, ks.s2,
                           dqs + (head * tq + r0) * dq, dq);
          cpu::gemm<float>(true, false, tk, dq, nr, scale, dp.data(), tk, qb, qs.s2, dkp, dq,
                           !first);
          first = false;
        }
      }
      if (first) {  // no query rows: nothing flows back to these keys
        std::fill(dkp, dkp + tk * dq, 0.0f);
        std::fill(dvp, dvp + tk * dv, 0.0f);
      }
    }
  });
}

}  // namespace ember::fast
