// Binary and ternary elementwise builders, generated from binary.def, and
// the comparisons composed from them.
#include "core/errors.h"
#include "ops/elementwise.h"
#include "ops/ops.h"

namespace ember {

namespace {

enum class Rule { Arith, Float, Compare, Logical, Bitwise };
constexpr bool C = true, R = false;

template <typename P>
array binary(const array& a, const array& b, Rule rule, bool allow_complex,
             const char* name, StreamOrDevice s) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Dtype t = promote_types(a.dtype(), b.dtype());
  Dtype out = t;
  switch (rule) {
    case Rule::Arith:
      out = t;
      break;
    case Rule::Float:
      if (!is_inexact(t)) t = float32;
      out = t;
      break;
    case Rule::Compare:
      out = bool_;
      break;
    case Rule::Logical:
      t = bool_;
      out = bool_;
      break;
    case Rule::Bitwise:
      if (!is_integral(t) && t != bool_) {
        throw TypeError(std::string("[") + name +
                        "] Bitwise operations are only allowed on integer "
                        "and boolean types.");
      }
      out = t;
      break;
  }
  if (t == complex64 && !allow_complex) {
    throw TypeError(std::string("[") + name +
                    "] Not supported for complex64 inputs.");
  }
  return array(std::move(shape), out, std::make_shared<P>(to_stream(s)),
               {astype(a, t, s), astype(b, t, s)});
}

}  // namespace

#define BINARY(Class, name_, rule, cplx)                            \
  array name_(const array& a, const array& b, StreamOrDevice s) {   \
    return binary<Class>(a, b, Rule::rule, cplx, #name_, s);        \
  }
#include "ops/binary.def"
#undef BINARY

array where(const array& cond, const array& x, const array& y,
            StreamOrDevice s) {
  Shape shape = broadcast_shapes(
      broadcast_shapes(cond.shape(), x.shape(), "where"), y.shape(), "where");
  Dtype t = promote_types(x.dtype(), y.dtype());
  return array(std::move(shape), t, std::make_shared<Select>(to_stream(s)),
               {astype(cond, bool_, s), astype(x, t, s), astype(y, t, s)});
}

std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  return {floor_divide(a, b, s), remainder(a, b, s)};
}

array isclose(const array& a, const array& b, double rtol, double atol,
              bool equal_nan, StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with equal infinities counting as close.
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(t)) t = float32;
  array diff = abs(subtract(a, b, s), s);
  array tol = add(array::scalar(atol, t),
                  multiply(array::scalar(rtol, t), abs(b, s), s), s);
  // Infinities are close only to themselves (inf - inf would be NaN).
  array any_inf = logical_or(isinf(a, s), isinf(b, s), s);
  array close = where(any_inf, equal(a, b, s), less_equal(diff, tol, s), s);
  if (equal_nan) {
    close = logical_or(close, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return close;
}

array allclose(const array& a, const array& b, double rtol, double atol,
               bool equal_nan, StreamOrDevice s) {
  array close = isclose(a, b, rtol, atol, equal_nan, s);
  return all(close, all_axes(close), false, s);
}

array array_equal(const array& a, const array& b, bool equal_nan,
                  StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  array eq = equal(a, b, s);
  if (equal_nan && is_inexact(promote_types(a.dtype(), b.dtype()))) {
    eq = logical_or(eq, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return all(eq, all_axes(eq), false, s);
}

}  // namespace ember
