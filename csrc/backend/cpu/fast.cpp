// Kernels of mx.fast (fast/fast.h): one pass per row for the norms and
// rotary embeddings; attention by blocks of query rows (scores through
// BLAS, softmax in float32 or float64, then the weighted sum of values).

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/isa.h"
#include "backend/cpu/rows.h"
#include "backend/cpu/strided.h"
#include "core/dispatch.h"
#include "core/thread_pool.h"
#include "fast/fast.h"

namespace ember::fast {

namespace {

// Runs f(row_begin, row_end) over the rows of a (rows, d) problem.
template <typename F>
void over_rows(int64_t rows, int64_t d, F&& f) {
  parallel_for(rows, std::max<int64_t>(1, cpu::kParallelGrain / std::max<int64_t>(d, 1)), f);
}

// float32 norm rows, built per ISA (isa.h).
struct NormRows {
  // rms (mean of squares) or layer (mean, then squared deviations) norm
  // of rows [r0, r1) of x (d wide), times w and plus b where given.
  [[gnu::always_inline]] static void run(const float* x, const float* w, const float* b,
                                         float* y, int64_t d, float eps, bool center,
                                         int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * d;
      float* yr = y + r * d;
      float mu = center ? cpu::lane_sum(xr, d) / float(d) : 0.0f;
      float inv = 1.0f / std::sqrt(cpu::lane_sum(xr, d, mu, true) / float(d) + eps);
      if (w && b) {
        for (int64_t i = 0; i < d; ++i) yr[i] = (xr[i] - mu) * inv * w[i] + b[i];
      } else if (w) {
        for (int64_t i = 0; i < d; ++i) yr[i] = (xr[i] - mu) * inv * w[i];
      } else if (b) {
        for (int64_t i = 0; i < d; ++i) yr[i] = (xr[i] - mu) * inv + b[i];
      } else {
        for (int64_t i = 0; i < d; ++i) yr[i] = (xr[i] - mu) * inv;
      }
    }
  }
};

// The norm of float32 rows by the NormRows kernel; false for other dtypes.
bool norm_rows_f32(const array& x, const std::optional<array>& w,
                   const std::optional<array>& b, array& out, float eps, bool center) {
  if (out.dtype() != float32) return false;
  static const auto fn = cpu::isa_variant<NormRows, const float*, const float*, const float*,
                                          float*, int64_t, float, bool, int64_t, int64_t>();
  int64_t d = x.shape().back(), rows = d ? x.size() / d : 0;
  const float* ws = w ? w->data<float>() : nullptr;
  const float* bs = b ? b->data<float>() : nullptr;
  over_rows(rows, d, [&](int64_t r0, int64_t r1) {
    fn(x.data<float>(), ws, bs, out.data<float>(), d, eps, center, r0, r1);
  });
  return true;
}

}  // namespace

void RMSNorm::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocate(out.nbytes()));
  int64_t d = x.shape().back(), rows = d ? x.size() / d : 0;
  std::optional<array> w;
  if (has_weight_) w = cpu::ensure_row_contiguous(inputs[1]);
  if (norm_rows_f32(x, w, std::nullopt, out, eps_, false)) return;
  dispatch_float(out.dtype(), "rms_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T* xs = x.data<T>();
    const T* ws = w ? w->template data<T>() : nullptr;
    T* ys = out.data<T>();
    over_rows(rows, d, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xs + r * d;
        T* yr = ys + r * d;
        double ss = 0;
        for (int64_t i = 0; i < d; ++i) ss += double(A(xr[i])) * double(A(xr[i]));
        A inv = A(1) / std::sqrt(A(ss / double(d)) + A(eps_));
        for (int64_t i = 0; i < d; ++i) {
          T y = static_cast<T>(A(xr[i]) * inv);
          yr[i] = ws ? static_cast<T>(A(y) * A(ws[i])) : y;
        }
      }
    });
  });
}

void LayerNorm::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array& out = outputs[0];
  out.set_data(allocate(out.nbytes()));
  int64_t d = x.shape().back(), rows = d ? x.size() / d : 0;
  std::optional<array> w, b;
  if (has_weight_) w = cpu::ensure_row_contiguous(inputs[1]);
  if (has_bias_) b = cpu::ensure_row_contiguous(inputs[has_weight_ ? 2 : 1]);
  if (norm_rows_f32(x, w, b, out, eps_, true)) return;
  dispatch_float(out.dtype(), "layer_norm", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T* xs = x.data<T>();
    const T* ws = w ? w->template data<T>() : nullptr;
    const T* bs = b ? b->template data<T>() : nullptr;
    T* ys = out.data<T>();
    over_rows(rows, d, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xs + r * d;
        T* yr = ys + r * d;
        // Two passes (mean, then squared deviations) for accuracy.
        double sum = 0;
        for (int64_t i = 0; i < d; ++i) sum += double(A(xr[i]));
        A mu = A(sum / double(d));
        double ss = 0;
        for (int64_t i = 0; i < d; ++i) {
          double c = double(A(xr[i]) - mu);
          ss += c * c;
        }
        A inv = A(1) / std::sqrt(A(ss / double(d)) + A(eps_));
        for (int64_t i = 0; i < d; ++i) {
          A y = A(static_cast<T>((A(xr[i]) - mu) * inv));
          if (ws) y = A(static_cast<T>(y * A(ws[i])));
          if (bs) y = y + A(bs[i]);
          yr[i] = static_cast<T>(y);
        }
      }
    });
  });
}

void RoPE::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array offset = cpu::ensure_row_contiguous(inputs[1]);
  array& out = outputs[0];
  out.set_data(allocate(out.nbytes()));
  int64_t d = x.shape().back(), tlen = x.shape()[x.ndim() - 2];
  int64_t rows = d ? x.size() / d : 0;
  int64_t per_batch = x.shape()[0] ? rows / x.shape()[0] : 0;
  int64_t half = dims_ / 2;
  // Inverse frequencies, as the fallback computes them.
  std::vector<float> inv(half);
  if (has_freqs_) {
    array f = cpu::ensure_row_contiguous(inputs[2]);
    for (int64_t i = 0; i < half; ++i) inv[i] = 1.0f / f.data<float>()[i];
  } else {
    for (int64_t i = 0; i < half; ++i) {
      inv[i] = std::exp(float(i) * (-std::log(base_) / float(half)));
    }
  }
  const int32_t* offs = offset.data<int32_t>();
  bool per_entry = offset.size() > 1;
  dispatch_float(out.dtype(), "rope", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T* xs = x.data<T>();
    T* ys = out.data<T>();
    over_rows(rows, d, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xs + r * d;
        T* yr = ys + r * d;
        int64_t off = offs[per_entry ? r / per_batch : 0];
        A pos = A(float(off + r % tlen) * scale_);
        for (int64_t i = 0; i < half; ++i) {
          int64_t a = traditional_ ? 2 * i : i, b = traditional_ ? 2 * i + 1 : i + half;
          A theta = pos * A(inv[i]);
          A c = std::cos(theta), s = std::sin(theta);
          A x1 = A(xr[a]), x2 = A(xr[b]);
          yr[a] = static_cast<T>(x1 * c - x2 * s);
          yr[b] = static_cast<T>(x1 * s + x2 * c);
        }
        for (int64_t i = dims_; i < d; ++i) yr[i] = xr[i];
      }
    });
  });
}

namespace {

// C (m x n) = alpha A (m x k) B^T or alpha A B, row-major.
template <typename A>
void gemm(bool trans_b, int64_t m, int64_t n, int64_t k, A alpha, const A* a, int64_t lda,
          const A* b, int64_t ldb, A* c, int64_t ldc) {
  cpu::gemm<A>(false, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc);
}

// Query rows per block: bigger blocks pack each head's keys fewer times
// (64 -> 256 rows: 15.7 -> 14.9 ms for 8 heads x 1024 x 64).
constexpr int64_t kQueryBlock = 256;

}  // namespace

void ScaledDotProductAttention::eval_cpu(const std::vector<array>& inputs,
                                         std::vector<array>& outputs) {
  array q = cpu::ensure_row_contiguous(inputs[0]);
  array k = cpu::ensure_row_contiguous(inputs[1]);
  array v = cpu::ensure_row_contiguous(inputs[2]);
  array& out = outputs[0];
  out.set_data(allocate(out.nbytes()));
  int64_t b = q.shape()[0], hq = q.shape()[1], tq = q.shape()[2], dq = q.shape()[3];
  int64_t hk = k.shape()[1], tk = k.shape()[2], dv = v.shape()[3];
  int64_t rep = hq / hk;
  size_t next = 3;
  const array* mask = mask_ == Mask::Bool || mask_ == Mask::Additive ? &inputs[next++] : nullptr;
  std::optional<array> sinks;
  if (has_sinks_) sinks = cpu::ensure_row_contiguous(inputs[next]);
  if (out.size() == 0) return;
  dispatch_float(out.dtype(), "scaled_dot_product_attention", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T *qs = q.data<T>(), *ks = k.data<T>(), *vs = v.data<T>();
    T* os = out.data<T>();
    const A lowest = A(-float_max(out.dtype()));
    auto rt = [](A x) { return A(static_cast<T>(x)); };
    const A scale = rt(A(scale_));
    parallel_for(b * hq, 1, [&](int64_t p0, int64_t p1) {
      std::vector<A> kf(tk * dq), vf(tk * dv), qf(kQueryBlock * dq),
          sc(kQueryBlock * tk), of(kQueryBlock * dv);
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
        A sink = sinks ? A(sinks->template data<T>()[h]) : A(0);
        for (int64_t r0 = 0; r0 < tq; r0 += kQueryBlock) {
          int64_t nr = std::min(kQueryBlock, tq - r0);
          const T* qp = qs + ((bi * hq + h) * tq + r0) * dq;
          // Half types round where the composed ops would (scaled q, the
          // scores, the probabilities), so both agree closely.
          for (int64_t i = 0; i < nr * dq; ++i) qf[i] = rt(A(qp[i]) * scale);
          if (tk > 0) {
            gemm<A>(true, nr, tk, dq, A(1), qf.data(), dq, kf.data(), dq, sc.data(), tk);
          }
          for (int64_t i = 0; i < nr * tk; ++i) sc[i] = rt(sc[i]);
          for (int64_t r = 0; r < nr; ++r) {
            A* row = sc.data() + r * tk;
            int64_t qi = r0 + r;
            if (mask_ == Mask::Causal) {
              // Lower-right aligned: query qi sees keys up to qi + tk - tq.
              for (int64_t j = std::max<int64_t>(0, qi + tk - tq + 1); j < tk; ++j) row[j] = lowest;
            } else if (mask) {
              // The mask is a broadcast view: read it through its strides.
              auto& st = mask->strides();
              int64_t base = bi * st[0] + h * st[1] + qi * st[2];
              if (mask_ == Mask::Bool) {
                const bool* mp = mask->data<bool>() + base;
                for (int64_t j = 0; j < tk; ++j) {
                  if (!mp[j * st[3]]) row[j] = lowest;
                }
              } else {
                const T* mp = mask->data<T>() + base;
                for (int64_t j = 0; j < tk; ++j) row[j] = rt(row[j] + A(mp[j * st[3]]));
              }
            }
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
            gemm<A>(false, nr, dv, tk, A(1), sc.data(), tk, vf.data(), dv, of.data(), dv);
          } else {
            std::fill(of.begin(), of.begin() + nr * dv, A(0));
          }
          T* op = os + ((bi * hq + h) * tq + r0) * dv;
          for (int64_t i = 0; i < nr * dv; ++i) op[i] = static_cast<T>(of[i]);
        }
      }
    });
  });
}

}  // namespace ember::fast

namespace ember::fast {

void GatedDelta::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  std::vector<array> in;
  for (auto& a : inputs) in.push_back(cpu::ensure_row_contiguous(a));
  array& y = outputs[0];
  array& state_out = outputs[1];
  y.set_data(allocate(y.nbytes()));
  state_out.set_data(allocate(state_out.nbytes()));
  int64_t b = in[0].shape()[0], t = in[0].shape()[1], hk = in[0].shape()[2];
  int64_t dk = in[0].shape()[3], hv = in[2].shape()[2], dv = in[2].shape()[3];
  int64_t rep = hv / hk;
  const bool* mask = has_mask_ ? in[6].data<bool>() : nullptr;
  dispatch_float(y.dtype(), "gated_delta_update", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T *q = in[0].data<T>(), *k = in[1].data<T>(), *v = in[2].data<T>();
    const T *g = in[3].data<T>(), *be = in[4].data<T>(), *s0 = in[5].data<T>();
    T* ys = y.data<T>();
    T* sout = state_out.data<T>();
    // One (batch, value head) pair per task: its state is a Dv x Dk matrix.
    cpu::run_flat(b * hv, [&](int64_t lo, int64_t hi) {
      std::vector<A> st(dv * dk);
      for (int64_t job = lo; job < hi; ++job) {
        int64_t bi = job / hv, h = job % hv, kh = h / rep;
        const T* init = s0 + job * dv * dk;
        for (int64_t i = 0; i < dv * dk; ++i) st[i] = A(init[i]);
        for (int64_t ti = 0; ti < t; ++ti) {
          const T* qt = q + ((bi * t + ti) * hk + kh) * dk;
          const T* kt = k + ((bi * t + ti) * hk + kh) * dk;
          const T* vt = v + ((bi * t + ti) * hv + h) * dv;
          T* yt = ys + ((bi * t + ti) * hv + h) * dv;
          if (mask && !mask[bi * t + ti]) {
            for (int64_t j = 0; j < dv; ++j) yt[j] = T(0);
            continue;
          }
          A gt = A(g[(bi * t + ti) * hv + h]), bt = A(be[(bi * t + ti) * hv + h]);
          for (int64_t j = 0; j < dv; ++j) {
            A* row = st.data() + j * dk;
            A kv = 0;
            for (int64_t i = 0; i < dk; ++i) {
              row[i] *= gt;
              kv += row[i] * A(kt[i]);
            }
            A delta = (A(vt[j]) - kv) * bt;
            A out = 0;
            for (int64_t i = 0; i < dk; ++i) {
              row[i] += delta * A(kt[i]);
              out += row[i] * A(qt[i]);
            }
            yt[j] = static_cast<T>(out);
          }
        }
        T* final_state = sout + job * dv * dk;
        for (int64_t i = 0; i < dv * dk; ++i) final_state[i] = static_cast<T>(st[i]);
      }
    });
  });
}

}  // namespace ember::fast
