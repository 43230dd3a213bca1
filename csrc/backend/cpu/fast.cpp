// Kernels of mx.fast (fast/fast.h): one pass per row for the norms, their
// gradients and rotary embeddings; the gated delta recurrence per (batch, head). Attention
// is in fast_attention.cpp.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/copy.h"
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
      // The next row is prefetched a line per 16 outputs, so its reads
      // overlap this row's arithmetic and stores.
      const float* next = r + 1 < r1 ? xr + d : nullptr;
      auto write = [&](auto&& f) {
        int64_t i = 0;
        for (; i + 16 <= d; i += 16) {
          if (next) __builtin_prefetch(next + i);
          for (int j = 0; j < 16; ++j) yr[i + j] = f(i + j);
        }
        for (; i < d; ++i) yr[i] = f(i);
      };
      if (w && b) {
        write([&](int64_t i) { return (xr[i] - mu) * inv * w[i] + b[i]; });
      } else if (w) {
        write([&](int64_t i) { return (xr[i] - mu) * inv * w[i]; });
      } else if (b) {
        write([&](int64_t i) { return (xr[i] - mu) * inv + b[i]; });
      } else {
        write([&](int64_t i) { return (xr[i] - mu) * inv; });
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

// The gradient rows of a float32 norm, built per ISA. For rows [r0, r1)
// it writes dx and adds g * xhat and g into dw and db (d floats each):
//   xhat = (x - mu) * inv,  gw = g * w,
//   dx = inv * (gw - mean(gw) - xhat * mean(gw * xhat)),
// the mean(gw) term for layer norm only (center).
struct NormGradRows {
  [[gnu::always_inline]] static void run(const float* x, const float* w, const float* g,
                                         float* dx, float* dw, float* db, int64_t d,
                                         float eps, bool center, int64_t r0, int64_t r1) {
    if (w) {
      rows<true>(x, w, g, dx, dw, db, d, eps, center, r0, r1);
    } else {
      rows<false>(x, w, g, dx, dw, db, d, eps, center, r0, r1);
    }
  }

  template <bool kWeight>
  [[gnu::always_inline]] static void rows(const float* __restrict x, const float* __restrict w,
                                          const float* __restrict g, float* __restrict dx,
                                          float* __restrict dw, float* __restrict db, int64_t d,
                                          float eps, bool center, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * d;
      const float* gr = g + r * d;
      float mu = center ? cpu::lane_sum(xr, d) / float(d) : 0.0f;
      float inv = 1.0f / std::sqrt(cpu::lane_sum(xr, d, mu, true) / float(d) + eps);
      float s1[16] = {}, s2[16] = {};
      auto gather = [&](int64_t i, int j) {
        float xh = (xr[i] - mu) * inv;
        float gw = kWeight ? gr[i] * w[i] : gr[i];
        s1[j] += gw;
        s2[j] += gw * xh;
        dw[i] += gr[i] * xh;
        db[i] += gr[i];
      };
      int64_t i = 0;
      for (; i + 16 <= d; i += 16) {
        for (int j = 0; j < 16; ++j) gather(i + j, j);
      }
      for (; i < d; ++i) gather(i, 0);
      float c1 = center ? cpu::fold_lanes<16>(s1) / float(d) : 0.0f;
      float c2 = cpu::fold_lanes<16>(s2) / float(d);
      float* dxr = dx + r * d;
      for (i = 0; i < d; ++i) {
        float xh = (xr[i] - mu) * inv;
        float gw = kWeight ? gr[i] * w[i] : gr[i];
        dxr[i] = inv * (gw - c1 - xh * c2);
      }
    }
  }
};

}  // namespace

void NormVJP::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array g = cpu::ensure_row_contiguous(inputs.back());
  std::optional<array> w;
  if (has_weight_) w = cpu::ensure_row_contiguous(inputs[1]);
  for (auto& o : outputs) o.set_data(allocate(o.nbytes()));
  int64_t d = x.shape().back(), rows = d ? x.size() / d : 0;
  static const auto fn =
      cpu::isa_variant<NormGradRows, const float*, const float*, const float*, float*, float*,
                       float*, int64_t, float, bool, int64_t, int64_t>();
  // Each part of the rows sums g * xhat and g in float for kFlush rows at a
  // time, then into double totals, so long columns keep their accuracy.
  constexpr int64_t kFlush = 64;
  int64_t parts = std::clamp<int64_t>(rows * d / cpu::kParallelGrain, 1, num_threads());
  std::vector<double> totals(parts * 2 * d, 0.0);
  const float* ws = w ? w->data<float>() : nullptr;
  parallel_for(parts, 1, [&](int64_t p0, int64_t p1) {
    std::vector<float> acc(2 * d);
    for (int64_t p = p0; p < p1; ++p) {
      int64_t r0 = rows * p / parts, r1 = rows * (p + 1) / parts;
      double* tot = totals.data() + p * 2 * d;
      for (int64_t r = r0; r < r1; r += kFlush) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        fn(x.data<float>(), ws, g.data<float>(), outputs[0].data<float>(), acc.data(),
           acc.data() + d, d, eps_, center_, r, std::min(r + kFlush, r1));
        for (int64_t i = 0; i < 2 * d; ++i) tot[i] += acc[i];
      }
    }
  });
  // dw and db: the parts' totals.
  size_t next = 1;
  for (int which = 0; which < 2; ++which) {
    if (which == 0 ? !has_weight_ : !has_bias_) continue;
    float* out = outputs[next++].data<float>();
    for (int64_t i = 0; i < d; ++i) {
      double t = 0;
      for (int64_t p = 0; p < parts; ++p) t += totals[(p * 2 + which) * d + i];
      out[i] = static_cast<float>(t);
    }
  }
}

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
