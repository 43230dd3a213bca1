// Unary elementwise builders, generated from unary.def.
#include <cmath>
#include <string_view>

#include "core/errors.h"
#include "core/node_pool.h"
#include "ops/autodiff.h"
#include "ops/elementwise.h"
#include "ops/elementwise_rules.h"
#include "ops/ops.h"
#include "ops/replay.h"

namespace ember {

namespace {

// d|z|: sign(x) for real x. For complex z, |z| is not holomorphic: its
// pullback is g * z / |z|, so the derivative given to the conjugating
// vjp rule is conj(z / |z|) (and the jvp keeps the real part).
array abs_derivative(const array& x, StreamOrDevice s) {
  array d = sign(x, s);
  return is_complex(x.dtype()) ? conjugate(d, s) : d;
}
constexpr bool C = true, R = false;

template <typename P>
array unary(const array& a, Rule rule, bool allow_complex, const char* name,
            StreamOrDevice s) {
  Dtype t = a.dtype();
  if (t == complex64 && !allow_complex) {
    throw TypeError(std::string("[") + name +
                    "] Not supported for complex64 inputs.");
  }
  Dtype out = t;
  array in = a;
  switch (rule) {
    case Rule::Same:
      if (t == bool_ && std::string_view(name) == "negative") {
        throw TypeError("[negative] Not supported for bool, use logical_not.");
      }
      break;
    case Rule::Float:
      if (!is_inexact(t)) {
        in = astype(a, float32, s);
        out = float32;
      }
      break;
    case Rule::Bool:
      out = bool_;
      break;
    case Rule::Int:
      if (!is_integral(t) && t != bool_) {
        throw TypeError(std::string("[") + name +
                        "] Bitwise operations are only allowed on integer "
                        "and boolean types.");
      }
      break;
    default:  // the binary rules
      break;
  }
  return array(a.shape(), out, make_pooled<P>(to_stream(s)), {in});
}

}  // namespace

#define NONDIFF array()
#define UNARY(Class, name_, rule, cplx, deriv)                          \
  array name_(const array& a, StreamOrDevice s) {                       \
    return unary<Class>(a, Rule::rule, cplx, #name_, s);                \
  }                                                                     \
  array Class::derivative(const array& x, const array& y) const {       \
    StreamOrDevice s = stream();                                        \
    (void)s;                                                            \
    (void)y;                                                            \
    return deriv;                                                       \
  }                                                                     \
  array Class::apply(const array& x) const { return name_(x, stream()); }
// abs gets a wrapper below; its generated builder is abs_impl.
#define abs abs_impl
#include "ops/unary.def"
#undef abs
#undef UNARY
#undef NONDIFF

std::vector<array> UnaryElementwise::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>&,
                                         const std::vector<array>& outputs) {
  const array& x = primals[0];
  array d = derivative(x, outputs[0]);
  if (!d.valid()) return {zeros_like(x, stream())};
  // For complex inputs the pullback is g * conj(f'(z)).
  if (is_complex(d.dtype())) d = conjugate(d, stream());
  return {multiply(cotangents[0], d, stream())};
}

std::vector<array> UnaryElementwise::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>&) {
  const array& x = primals[0];
  array y = apply(x);
  array d = derivative(x, y);
  if (!d.valid()) return {zeros(x.shape(), tangents[0].dtype(), stream())};
  array t = multiply(tangents[0], d, stream());
  // A real-valued function of a complex input (abs) has a real tangent.
  if (is_complex(t.dtype()) && !is_complex(y.dtype())) t = real(t, stream());
  return {t};
}

std::pair<std::vector<array>, std::vector<int>> UnaryElementwise::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{apply(inputs[0])}, {axes[0]}};
}

// |z| of a complex number is real.
array abs(const array& a, StreamOrDevice s) {
  array out = abs_impl(a, s);
  return a.dtype() == complex64 ? astype(out, float32, s) : out;
}

array round(const array& a, int decimals, StreamOrDevice s) {
  bool integral = is_integral(a.dtype()) || a.dtype() == bool_;
  if (decimals == 0 || (integral && decimals > 0)) return round(a, s);
  if (integral) {
    // Negative decimals on integers: round to a multiple of 10^-decimals.
    array scale = array::scalar(std::pow(10.0, -decimals), float64);
    array x = astype(a, float64, s);
    return astype(multiply(round(divide(x, scale, s), s), scale, s), a.dtype(), s);
  }
  array scale = array::scalar(std::pow(10.0, decimals), a.dtype());
  return divide(round(multiply(a, scale, s), s), scale, s);
}

array conjugate(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  return array(a.shape(), a.dtype(), std::make_shared<Conjugate>(to_stream(s)), {a});
}

array Conjugate::derivative(const array& x, const array&) const {
  return scalar_like(x, 1.0);
}
array Conjugate::apply(const array& x) const { return conjugate(x, stream()); }
std::vector<array> Conjugate::vjp(const std::vector<array>&,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {conjugate(cotangents[0], stream())};
}
std::vector<array> Conjugate::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {conjugate(tangents[0], stream())};
}

array real(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return a;
  return array(a.shape(), float32, std::make_shared<ComplexPart>(to_stream(s), false),
               {a});
}

array imag(const array& a, StreamOrDevice s) {
  if (a.dtype() != complex64) return zeros_like(a, s);
  return array(a.shape(), float32, std::make_shared<ComplexPart>(to_stream(s), true),
               {a});
}

std::vector<array> ComplexPart::vjp(const std::vector<array>&,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>&,
                                    const std::vector<array>&) {
  // real(z) pulls back to g, imag(z) to i*g.
  array g = astype(cotangents[0], complex64, stream());
  if (imag_) g = multiply(g, array(complex64_t(0.0f, 1.0f)), stream());
  return {g};
}

std::vector<array> ComplexPart::jvp(const std::vector<array>&,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>&) {
  return {imag_ ? imag(tangents[0], stream()) : real(tangents[0], stream())};
}

std::pair<std::vector<array>, std::vector<int>> ComplexPart::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = inputs[0];
  return {{imag_ ? imag(x, stream()) : real(x, stream())}, {axes[0]}};
}

array isfinite(const array& a, StreamOrDevice s) {
  return logical_not(logical_or(isinf(a, s), isnan(a, s), s), s);
}

}  // namespace ember

// ---- export

namespace ember {

void UnaryElementwise::save(Writer& w) const { w.str(name()); }
std::vector<Shape> UnaryElementwise::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

void ComplexPart::save(Writer& w) const { w.str(name()); }
std::vector<Shape> ComplexPart::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

bool load_unary(const std::string& tag, Reader&, const ReplayNode& node,
                std::vector<array>& out) {
  Stream s = node.stream;
#define UNARY(Class, ...)                                   \
  if (tag == #Class) {                                      \
    out = node.make(std::make_shared<Class>(s));            \
    return true;                                            \
  }
#include "ops/unary.def"
#undef UNARY
  if (tag == "Conjugate") {
    out = node.make(std::make_shared<Conjugate>(s));
  } else if (tag == "Real" || tag == "Imag") {
    out = node.make(std::make_shared<ComplexPart>(s, tag == "Imag"));
  } else {
    return false;
  }
  return true;
}

}  // namespace ember
