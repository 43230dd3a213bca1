// Kernels of the unary elementwise table (ops/unary.def).
#include <algorithm>

#include "backend/cpu/compiled_tiles.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/strided.h"
#include "backend/cpu/unary_ops.h"
#include "ops/elementwise.h"

namespace ember {
namespace cpu {

namespace {

constexpr bool C = true, R = false;

template <typename Op, typename In, typename Out>
void unary_typed(const array& in, array& out) {
  using Cmp = compute_t<In>;
  Op op;
  if (in.flags().contiguous) {
    // Dense input (any order): run over the flat span, keep its layout.
    if (donatable(in, out)) {
      out.copy_layout(in);
    } else {
      out.set_data(allocate(out.nbytes()), in);
    }
    const In* s = in.data<In>();
    Out* d = out.data<Out>();
    run_flat(in.data_size(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        d[i] = static_cast<Out>(op(static_cast<Cmp>(s[i])));
      }
    });
    return;
  }
  out.set_data(allocate(out.nbytes()));
  const In* s = in.data<In>();
  Out* d = out.data<Out>();
  auto plan = make_plan<2>(in.shape(), {out.strides(), in.strides()});
  run_plan<2>(plan, [&](auto off, int64_t n, auto st) {
    for (int64_t i = 0; i < n; ++i) {
      d[off[0] + i * st[0]] =
          static_cast<Out>(op(static_cast<Cmp>(s[off[1] + i * st[1]])));
    }
  });
}

template <typename Op, Rule rule, bool cplx>
void unary_kernel(const array& in, array& out, const char* name) {
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (type_allowed<T, rule, cplx>()) {
      unary_typed<Op, T, out_type_t<T, rule>>(in, out);
    } else {
      throw TypeError(std::string("[") + name + "] Unsupported dtype " +
                      dtype_name(in.dtype()) + ".");
    }
  });
}

}  // namespace
}  // namespace cpu

#define UNARY(Class, name, rule, cplx, ...)                             \
  void Class::eval_cpu(const std::vector<array>& inputs, array& out) {    \
    if (cpu::vector_unary(*this, inputs[0], out)) return;                 \
    cpu::unary_kernel<cpu::Class##Op, cpu::Rule::rule, cpu::cplx>(       \
        inputs[0], out, #name);                                           \
  }
#include "ops/unary.def"
#undef UNARY

void Conjugate::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::unary_kernel<cpu::ConjugateOp, cpu::Rule::Same, true>(inputs[0], out,
                                                             "conjugate");
}

void ComplexPart::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  const complex64_t* src = in.data<complex64_t>();
  float* dst = out.data<float>();
  bool im = imag_;
  auto plan = cpu::make_plan<2>(in.shape(), {out.strides(), in.strides()});
  cpu::run_plan<2>(plan, [&](auto off, int64_t n, auto st) {
    for (int64_t i = 0; i < n; ++i) {
      complex64_t z = src[off[1] + i * st[1]];
      dst[off[0] + i * st[0]] = im ? z.imag() : z.real();
    }
  });
}

namespace cpu {

// Inverse error function: a rational first guess refined by Newton steps on
// erf, accurate to double precision.
double erfinv_impl(double x) {
  if (x <= -1) return x == -1 ? -INFINITY : NAN;
  if (x >= 1) return x == 1 ? INFINITY : NAN;
  if (x != x) return x;
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  double y = p * x;
  const double two_over_sqrt_pi = 1.1283791670955126;
  for (int i = 0; i < 2; ++i) {
    double err = std::erf(y) - x;
    y -= err / (two_over_sqrt_pi * std::exp(-y * y));
  }
  return y;
}

// N. Juffa's single-precision erfinv (a polynomial in log(1 - x^2) on two
// ranges, max error 2.36 ulp), which MLX uses; fma and libm's logf keep
// the results identical to MLX's.
float erfinv_f32(float x) {
  float t = std::log(std::fma(x, -x, 1.0f));
  float p;
  if (std::fabs(t) > 6.125f) {
    p = 3.03697567e-10f;
    p = std::fma(p, t, 2.93243101e-8f);
    p = std::fma(p, t, 1.22150334e-6f);
    p = std::fma(p, t, 2.84108955e-5f);
    p = std::fma(p, t, 3.93552968e-4f);
    p = std::fma(p, t, 3.02698812e-3f);
    p = std::fma(p, t, 4.83185798e-3f);
    p = std::fma(p, t, -2.64646143e-1f);
    p = std::fma(p, t, 8.40016484e-1f);
  } else {
    p = 5.43877832e-9f;
    p = std::fma(p, t, 1.43285448e-7f);
    p = std::fma(p, t, 1.22774793e-6f);
    p = std::fma(p, t, 1.12963626e-7f);
    p = std::fma(p, t, -5.61530760e-5f);
    p = std::fma(p, t, -1.47697632e-4f);
    p = std::fma(p, t, 2.31468678e-3f);
    p = std::fma(p, t, 1.15392581e-2f);
    p = std::fma(p, t, -2.32015476e-1f);
    p = std::fma(p, t, 8.86226892e-1f);
  }
  return x * p;
}

}  // namespace cpu
}  // namespace ember
