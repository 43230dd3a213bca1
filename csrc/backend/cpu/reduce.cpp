// Kernels of the reduction family. Every reduction is planned as "kept"
// dimensions (one output element each) times "reduced" dimensions; the
// loops pick a row path (reduced run is contiguous), a column path (kept run
// is contiguous) or a general path.
#include "ops/reduce.h"

#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/isa.h"
#include "backend/cpu/rows.h"
#include "backend/cpu/simd_math.h"
#include "backend/cpu/softmax_avx512.h"
#include "backend/cpu/strided.h"
#include "backend/cpu/unary_ops.h"
#include "core/scalar_cast.h"

namespace ember {
namespace cpu {

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (is_cplx<T>) return std::isnan(v.real()) || std::isnan(v.imag());
  else if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// How values combine. Acc is the accumulator type.
template <typename In, typename Out, Reduce::Kind K>
struct Reducer {
  using C = compute_t<In>;
  using Acc = std::conditional_t<
      K == Reduce::And || K == Reduce::Or, bool,
      std::conditional_t<K == Reduce::Sum || K == Reduce::Prod,
                         std::conditional_t<std::is_floating_point_v<compute_t<Out>>,
                                            double, compute_t<Out>>,
                         C>>;
  static Acc init() {
    if constexpr (K == Reduce::Sum) return Acc(0);
    else if constexpr (K == Reduce::Prod) return Acc(1);
    else if constexpr (K == Reduce::And) return true;
    else if constexpr (K == Reduce::Or) return false;
    else if constexpr (is_cplx<C>) {
      float inf = std::numeric_limits<float>::infinity();
      return K == Reduce::Max ? C(-inf, -inf) : C(inf, inf);
    } else if constexpr (std::is_floating_point_v<C>) {
      return K == Reduce::Max ? -std::numeric_limits<C>::infinity()
                              : std::numeric_limits<C>::infinity();
    } else {
      return K == Reduce::Max ? std::numeric_limits<C>::lowest()
                              : std::numeric_limits<C>::max();
    }
  }
  static Acc step(Acc a, In raw) {
    C v = static_cast<C>(raw);
    if constexpr (K == Reduce::Sum) return wrap_add(a, v);
    else if constexpr (K == Reduce::Prod) return wrap_mul(a, v);
    else if constexpr (K == Reduce::And) return a && !(v == C(0));
    else if constexpr (K == Reduce::Or) return a || !(v == C(0));
    else {
      if (is_nan(a)) return a;
      if (is_nan(v)) return v;
      if constexpr (is_cplx<C>) {
        bool less = v.real() < a.real() ||
                    (v.real() == a.real() && v.imag() < a.imag());
        return (K == Reduce::Max) != less && !(v == a) ? v : a;
      } else {
        return K == Reduce::Max ? (v > a ? v : a) : (v < a ? v : a);
      }
    }
  }
  static Acc merge(Acc a, Acc b) {
    if constexpr (K == Reduce::Sum || K == Reduce::Prod || K == Reduce::And ||
                  K == Reduce::Or) {
      if constexpr (K == Reduce::Sum) return wrap_add(a, b);
      else if constexpr (K == Reduce::Prod) return wrap_mul(a, b);
      else if constexpr (K == Reduce::And) return a && b;
      else return a || b;
    } else {
      return step_acc(a, b);
    }
  }
  static Out finish(Acc a) { return cast_to<Out>(a); }

 private:
  static Acc step_acc(Acc a, Acc b) { return step(a, static_cast<In>(b)); }
  // Integer sums wrap like numpy instead of overflowing (undefined in C++).
  template <typename V>
  static Acc wrap_add(Acc a, V v) {
    if constexpr (std::is_integral_v<Acc> && !std::is_same_v<Acc, bool>) {
      using U = std::make_unsigned_t<Acc>;
      return Acc(U(a) + U(static_cast<Acc>(v)));
    } else if constexpr (is_cplx<Acc>) {
      return a + Acc(v);
    } else {
      return a + static_cast<Acc>(v);
    }
  }
  template <typename V>
  static Acc wrap_mul(Acc a, V v) {
    if constexpr (std::is_integral_v<Acc> && !std::is_same_v<Acc, bool>) {
      using U = std::make_unsigned_t<Acc>;
      return Acc(U(a) * U(static_cast<Acc>(v)));
    } else {
      return a * static_cast<Acc>(v);
    }
  }
};

// Sum of a contiguous float32 run, built per ISA: blocks of 4096 summed in
// kRowLanes float lanes (four vector chains on AVX-512), block totals added
// in double so long sums stay exact.
struct SumRun {
  [[gnu::always_inline]] static void run(const float* p, int64_t n, double* out) {
    constexpr int64_t kBlock = 4096;
    double total = 0;
    for (int64_t b = 0; b < n; b += kBlock) total += lane_sum(p + b, std::min(kBlock, n - b));
    *out = total;
  }
};

// Sum of a strided run; float32 runs of stride 1 take SumRun.
template <typename In, typename Out, Reduce::Kind K>
typename Reducer<In, Out, K>::Acc reduce_run(const In* p, int64_t n,
                                             int64_t stride) {
  using Rd = Reducer<In, Out, K>;
  if constexpr (K == Reduce::Sum && std::is_same_v<In, float>) {
    if (stride == 1) {
      static const auto sum = isa_variant<SumRun, const float*, int64_t, double*>();
      double total;
      sum(p, n, &total);
      return total;
    }
  } else if constexpr (K == Reduce::Sum && std::is_same_v<compute_t<In>, float>) {
    if (stride == 1) {  // float16, bfloat16: the same blocks, baseline code
      double total = 0;
      constexpr int kLanes = 32, kBlock = 4096;
      for (int64_t b = 0; b < n; b += kBlock) {
        int64_t e = std::min<int64_t>(n, b + kBlock);
        float lanes[kLanes] = {0};
        int64_t i = b;
        for (; i + kLanes <= e; i += kLanes) {
          for (int k = 0; k < kLanes; ++k) lanes[k] += static_cast<float>(p[i + k]);
        }
        double block = 0;
        for (; i < e; ++i) block += static_cast<float>(p[i]);
        for (int k = 0; k < kLanes; ++k) block += lanes[k];
        total += block;
      }
      return total;
    }
  }
  auto acc = Rd::init();
  for (int64_t i = 0; i < n; ++i) acc = Rd::step(acc, p[i * stride]);
  return acc;
}

template <typename In, typename Out, Reduce::Kind K>
void reduce_typed(const array& in, array& out, const std::vector<int>& axes) {
  using Rd = Reducer<In, Out, K>;
  out.set_data(allocate(out.nbytes()));
  const In* src = in.data<In>();
  Out* dst = out.data<Out>();
  if (out.size() == 0) return;
  // Split dims into kept and reduced, each merged where contiguous.
  Shape kshape, rshape;
  Strides kin, kout, rin;
  std::vector<bool> reduced(in.ndim(), false);
  for (int a : axes) reduced[a] = true;
  for (int i = 0; i < in.ndim(); ++i) {
    if (reduced[i]) {
      rshape.push_back(in.shape()[i]);
      rin.push_back(in.strides()[i]);
    } else {
      kshape.push_back(in.shape()[i]);
      kin.push_back(in.strides()[i]);
      kout.push_back(out.strides()[i]);
    }
  }
  auto kp = make_plan<2>(kshape, {kout, kin});
  auto rp = make_plan<1>(rshape, {rin});
  int64_t rsize = 1;
  for (auto d : rshape) rsize *= d;
  if (rsize == 0) {
    std::fill(dst, dst + out.size(), Rd::finish(Rd::init()));
    return;
  }
  bool row = rp.shape.size() <= 1;
  int64_t rn = rp.inner(), rs = rp.shape.empty() ? 1 : rp.strides[0].back();
  if (in.flags().contiguous && in.data_size() == in.size() && out.size() == 1) {
    // Everything into one value: split the flat span across threads.
    int64_t n = in.size();
    int chunks = n >= 2 * kParallelGrain ? num_threads() : 1;
    std::vector<typename Rd::Acc> partial(chunks, Rd::init());
    parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
        partial[c] = reduce_run<In, Out, K>(src + b, e - b, 1);
      }
    });
    auto acc = partial[0];
    for (int c = 1; c < chunks; ++c) acc = Rd::merge(acc, partial[c]);
    dst[0] = Rd::finish(acc);
    return;
  }
  bool column = !row || rs != 1;
  if (column && !kp.shape.empty() && kp.strides[1].back() == 1 &&
      kp.strides[0].back() == 1) {
    // Column path: accumulate whole kept rows, one reduced offset at a time.
    int64_t m = kp.inner();
    LoopPlan<2> outer;
    outer.shape.assign(kp.shape.begin(), kp.shape.end() - 1);
    for (int k = 0; k < 2; ++k) {
      outer.strides[k].assign(kp.strides[k].begin(), kp.strides[k].end() - 1);
    }
    run_plan<2>(outer, [&](auto off, int64_t n, auto st) {
      std::vector<typename Rd::Acc> acc(m);
      for (int64_t r = 0; r < n; ++r) {
        std::fill(acc.begin(), acc.end(), Rd::init());
        const In* base = src + off[1] + r * st[1];
        for_range<1>(rp, 0, plan_size(rp), [&](auto roff, int64_t rlen, auto rst) {
          for (int64_t j = 0; j < rlen; ++j) {
            const In* p = base + roff[0] + j * rst[0];
            for (int64_t i = 0; i < m; ++i) acc[i] = Rd::step(acc[i], p[i]);
          }
        });
        Out* d = dst + off[0] + r * st[0];
        for (int64_t i = 0; i < m; ++i) d[i] = Rd::finish(acc[i]);
      }
    }, rsize * m);
    return;
  }
  // Row and general paths: one output element per kept index.
  run_plan<2>(kp, [&](auto off, int64_t n, auto st) {
    for (int64_t i = 0; i < n; ++i) {
      const In* base = src + off[1] + i * st[1];
      typename Rd::Acc acc;
      if (row) {
        acc = reduce_run<In, Out, K>(base, rn, rs);
      } else {
        acc = Rd::init();
        for_range<1>(rp, 0, plan_size(rp), [&](auto roff, int64_t rlen, auto rst) {
          acc = Rd::merge(acc, reduce_run<In, Out, K>(base + roff[0], rlen, rst[0]));
        });
      }
      dst[off[0] + i * st[0]] = Rd::finish(acc);
    }
  }, rsize);
}

// Output type of sum and prod: sum_dtype (ops/reduce.cpp) as a type.
template <typename In>
using sum_type_t = std::conditional_t<
    std::is_same_v<In, bool> || std::is_same_v<In, int8_t> ||
        std::is_same_v<In, int16_t>,
    int32_t,
    std::conditional_t<std::is_same_v<In, uint8_t> || std::is_same_v<In, uint16_t>,
                       uint32_t, In>>;

template <Reduce::Kind K>
void reduce_dispatch(const array& in, array& out, const std::vector<int>& axes) {
  dispatch_all(in.dtype(), [&](auto it) {
    using In = typename decltype(it)::type;
    if constexpr (K == Reduce::Sum || K == Reduce::Prod) {
      reduce_typed<In, sum_type_t<In>, K>(in, out, axes);
    } else if constexpr (K == Reduce::And || K == Reduce::Or) {
      reduce_typed<In, bool, K>(in, out, axes);
    } else {
      reduce_typed<In, In, K>(in, out, axes);
    }
  });
}

}  // namespace
}  // namespace cpu

void Reduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  switch (kind_) {
    case Sum: return cpu::reduce_dispatch<Sum>(inputs[0], out, axes_);
    case Prod: return cpu::reduce_dispatch<Prod>(inputs[0], out, axes_);
    case Max: return cpu::reduce_dispatch<Max>(inputs[0], out, axes_);
    case Min: return cpu::reduce_dispatch<Min>(inputs[0], out, axes_);
    case And: return cpu::reduce_dispatch<And>(inputs[0], out, axes_);
    case Or: return cpu::reduce_dispatch<Or>(inputs[0], out, axes_);
  }
}

void NumberOfElements::eval_cpu(const std::vector<array>& inputs, array& out) {
  double n = 1;
  for (int a : axes_) n *= static_cast<double>(inputs[0].shape()[a]);
  out.set_data(allocate(out.nbytes()));
  double v = inverted_ ? 1.0 / n : n;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    *out.data<T>() = cast_to<T>(v);
  });
}

namespace cpu {
namespace {

// argmax/argmin of float32 rows of 16 <= n < 2^31 contiguous values, one
// pass: sixteen lanes each keep their best value and its index (strictly
// better only, so the first of equals), and whether a NaN was seen; a row
// with a NaN answers with its first NaN, as numpy does, found by a scan.
struct ArgRows {
  [[gnu::always_inline]] static void run(const float* x, uint32_t* out, int64_t n, bool is_max,
                                         int64_t r0, int64_t r1) {
    constexpr int kLanes = 16;
    const int32_t m = static_cast<int32_t>(n);
    for (int64_t r = r0; r < r1; ++r) {
      const float* p = x + r * n;
      float best[kLanes];
      int32_t at[kLanes], nan[kLanes];  // 32-bit: one vector of lanes each
      for (int j = 0; j < kLanes; ++j) {
        best[j] = p[j];
        at[j] = j;
        nan[j] = p[j] != p[j] ? 1 : 0;
      }
      int32_t i = kLanes;
      for (; i + kLanes <= m; i += kLanes) {
        for (int32_t j = 0; j < kLanes; ++j) {
          float v = p[i + j];
          bool better = is_max ? v > best[j] : v < best[j];
          best[j] = better ? v : best[j];
          at[j] = better ? i + j : at[j];
          nan[j] |= v != v ? 1 : 0;
        }
      }
      bool any_nan = false;
      int64_t k = at[0];
      float b = best[0];
      for (int j = 0; j < kLanes; ++j) {
        any_nan |= nan[j] != 0;
        bool better = is_max ? best[j] > b : best[j] < b;
        if (better || (best[j] == b && at[j] < k)) {
          b = best[j];
          k = at[j];
        }
      }
      for (; i < m; ++i) {
        float v = p[i];
        any_nan |= v != v;
        if (is_max ? v > b : v < b) {
          b = v;
          k = i;
        }
      }
      if (any_nan) {
        for (k = 0; p[k] == p[k]; ++k) {
        }
      }
      out[r] = static_cast<uint32_t>(k);
    }
  }
};

}  // namespace
}  // namespace cpu

void ArgReduce::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  int64_t len = in.shape()[axis_];
  if (in.dtype() == float32 && axis_ == in.ndim() - 1 && in.flags().row_contiguous &&
      len >= 16 && len < (int64_t(1) << 31)) {
    static const auto fn = cpu::isa_variant<cpu::ArgRows, const float*, uint32_t*, int64_t,
                                            bool, int64_t, int64_t>();
    const float* x = in.data<float>();
    uint32_t* dst = out.data<uint32_t>();
    bool is_max = kind_ == ArgMax;
    parallel_for(in.size() / len, std::max<int64_t>(1, cpu::kParallelGrain / len),
                 [&](int64_t r0, int64_t r1) { fn(x, dst, len, is_max, r0, r1); });
    return;
  }
  uint32_t* dst = out.data<uint32_t>();
  int64_t n = in.shape()[axis_], stride = in.strides()[axis_];
  Shape kshape = in.shape();
  Strides kin = in.strides();
  kshape[axis_] = 1;
  auto plan = cpu::make_plan<2>(kshape, {out.strides(), kin});
  bool is_max = kind_ == ArgMax;
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* src = in.data<T>();
    cpu::run_plan<2>(plan, [&](auto off, int64_t m, auto st) {
      for (int64_t i = 0; i < m; ++i) {
        const T* p = src + off[1] + i * st[1];
        int64_t best = 0;
        C bv = static_cast<C>(p[0]);
        // The first NaN wins, as in numpy.
        if (!cpu::is_nan(bv)) {
          for (int64_t j = 1; j < n; ++j) {
            C v = static_cast<C>(p[j * stride]);
            if (cpu::is_nan(v)) {
              best = j;
              break;
            }
            bool better;
            if constexpr (cpu::is_cplx<C>) {
              bool less = v.real() < bv.real() ||
                          (v.real() == bv.real() && v.imag() < bv.imag());
              bool greater = bv.real() < v.real() ||
                             (v.real() == bv.real() && bv.imag() < v.imag());
              better = is_max ? greater : less;
            } else {
              better = is_max ? v > bv : v < bv;
            }
            if (better) {
              best = j;
              bv = v;
            }
          }
        }
        dst[off[0] + i * st[0]] = static_cast<uint32_t>(best);
      }
    }, n);
  });
}

namespace cpu {
namespace {

// One softmax line of n floats from x to y (which may be the same memory):
// the maximum, the exponentials (a plain map, so it vectorizes like the
// elementwise kernels), their sum from y while it is in L1, and the
// scaling. A NaN is skipped by the maximum and then makes the whole line
// NaN through its exponential, as the composition does.
[[gnu::always_inline]] inline void softmax_line(const float* x, float* y, int64_t n) {
  float m = lane_max(x, n);
  for (int64_t i = 0; i < n; ++i) y[i] = fmath::exp_nonpositive(x[i] - m);
  float r = 1.0f / lane_sum(y, n);
  for (int64_t i = 0; i < n; ++i) y[i] *= r;
}

struct SoftmaxLines {
  [[gnu::always_inline]] static void run(const float* x, float* y, int64_t lines, int64_t n) {
    for (int64_t l = 0; l < lines; ++l) softmax_line(x + l * n, y + l * n, n);
  }
};

}  // namespace

void softmax_rows(const float* x, float* y, int64_t rows, int64_t n) {
#if defined(__x86_64__)
  static const bool avx512 = cpu_isa() == Isa::Avx512;
  if (avx512) return softmax_rows_avx512(x, y, rows, n);
#endif
  static const auto fn = isa_variant<SoftmaxLines, const float*, float*, int64_t, int64_t>();
  fn(x, y, rows, n);
}

namespace {

void softmax_line_f64(double* v, int64_t n) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; ++i) m = v[i] > m ? v[i] : m;
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += (v[i] = std::exp(v[i] - m));
  for (int64_t i = 0; i < n; ++i) v[i] /= total;
}

// Any axis and any inexact dtype: each line is copied into a buffer of its
// compute type (float, or double for float64), done there, and copied out.
template <typename T>
void softmax_strided(const array& in, array& out, int axis) {
  using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
  Lines lines = lines_along(in, out, axis);
  const T* src = in.data<T>();
  T* dst = out.data<T>();
  int64_t n = lines.n;
  run_plan<2>(lines.plan, [&](auto off, int64_t count, auto st) {
    std::vector<C> buf(n);
    for (int64_t k = 0; k < count; ++k) {
      const T* x = src + off[1] + k * st[1];
      T* y = dst + off[0] + k * st[0];
      for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<C>(x[i * lines.in_stride]);
      if constexpr (std::is_same_v<C, double>) softmax_line_f64(buf.data(), n);
      else softmax_rows(buf.data(), buf.data(), 1, n);
      for (int64_t i = 0; i < n; ++i) y[i * lines.out_stride] = static_cast<T>(buf[i]);
    }
  }, 4 * n);
}

}  // namespace
}  // namespace cpu

void Softmax::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int64_t n = in.shape()[axis_];
  if (in.size() == 0) {
    out.set_data(allocate(out.nbytes()));
    return;
  }
  if (in.dtype() == float32 && axis_ == in.ndim() - 1 && in.flags().row_contiguous) {
    if (cpu::donatable(in, out)) out.copy_layout(in);
    else out.set_data(allocate(out.nbytes()));
    const float* x = in.data<float>();
    float* y = out.data<float>();
    parallel_for(in.size() / n, std::max<int64_t>(1, cpu::kParallelGrain / (4 * n)),
                 [&](int64_t b, int64_t e) { cpu::softmax_rows(x + b * n, y + b * n, e - b, n); });
    return;
  }
  out.set_data(allocate(out.nbytes()));
  switch (in.dtype().val) {
    case Dtype::Val::float32: return cpu::softmax_strided<float>(in, out, axis_);
    case Dtype::Val::float16: return cpu::softmax_strided<float16_t>(in, out, axis_);
    case Dtype::Val::bfloat16: return cpu::softmax_strided<bfloat16_t>(in, out, axis_);
    case Dtype::Val::float64: return cpu::softmax_strided<double>(in, out, axis_);
    default:
      throw TypeError(std::string("[softmax] Unsupported dtype ") + dtype_name(in.dtype()) + ".");
  }
}

}  // namespace ember
