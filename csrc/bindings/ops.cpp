// Module-level op functions and their method forms on `array`.
#include <algorithm>
#include <cmath>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/scan.h"

namespace ember::py {

namespace {

// Docstrings of the elementwise table (ops/unary.def, ops/binary.def): the
// summary of each op, then the Returns line of its dtype rule. The Args
// sections are added by the UNARY and BINARY bindings below.
#define EMBER_DOC_abs                                                     \
  "Element-wise absolute value.\n\n"                                      \
  "For complex input this is the magnitude, returned as float32."
#define EMBER_DOC_negative                                                \
  "Element-wise negation, ``-a``.\n\n"                                    \
  "Unsigned integers wrap around. Boolean input is rejected."
#define EMBER_DOC_sign                                                    \
  "Element-wise sign: -1, 0 or 1.\n\n"                                    \
  "For complex input the result is ``a / abs(a)`` (0 where ``a`` is 0)."
#define EMBER_DOC_square "Element-wise square, ``a * a``."
#define EMBER_DOC_floor                                                   \
  "Element-wise floor: the largest integer not greater than each "        \
  "element.\n\nComplex input is rejected."
#define EMBER_DOC_ceil                                                    \
  "Element-wise ceiling: the smallest integer not less than each "        \
  "element.\n\nComplex input is rejected."
#define EMBER_DOC_round                                                   \
  "Element-wise rounding to the nearest integer, halves to even.\n\n"     \
  "See the overload with ``decimals`` to round to a number of decimals."
#define EMBER_DOC_trunc                                                   \
  "Element-wise truncation towards zero.\n\nComplex input is rejected."
#define EMBER_DOC_stop_gradient                                           \
  "The input, with gradients blocked.\n\n"                                \
  "The value is unchanged, but transformations such as :func:`grad` "     \
  "treat it as a constant."
#define EMBER_DOC_sqrt                                                    \
  "Element-wise square root.\n\n"                                         \
  "Negative real inputs give NaN."
#define EMBER_DOC_rsqrt "Element-wise reciprocal square root, ``1 / sqrt(a)``."
#define EMBER_DOC_reciprocal                                              \
  "Element-wise reciprocal, ``1 / a``.\n\nZero gives infinity."
#define EMBER_DOC_exp "Element-wise exponential, ``e ** a``."
#define EMBER_DOC_expm1                                                   \
  "Element-wise ``exp(a) - 1``, accurate for small ``a``.\n\n"           \
  "Complex input is rejected."
#define EMBER_DOC_log                                                     \
  "Element-wise natural logarithm.\n\n"                                   \
  "Zero gives ``-inf`` and negative real inputs give NaN."
#define EMBER_DOC_log1p                                                   \
  "Element-wise ``log(1 + a)``, accurate for small ``a``."
#define EMBER_DOC_log2 "Element-wise base-2 logarithm."
#define EMBER_DOC_log10 "Element-wise base-10 logarithm."
#define EMBER_DOC_sin "Element-wise sine (of angles in radians)."
#define EMBER_DOC_cos "Element-wise cosine (of angles in radians)."
#define EMBER_DOC_tan "Element-wise tangent (of angles in radians)."
#define EMBER_DOC_arcsin                                                  \
  "Element-wise inverse sine, in radians.\n\n"                            \
  "Real inputs outside [-1, 1] give NaN."
#define EMBER_DOC_arccos                                                  \
  "Element-wise inverse cosine, in radians.\n\n"                          \
  "Real inputs outside [-1, 1] give NaN."
#define EMBER_DOC_arctan "Element-wise inverse tangent, in radians."
#define EMBER_DOC_sinh "Element-wise hyperbolic sine."
#define EMBER_DOC_cosh "Element-wise hyperbolic cosine."
#define EMBER_DOC_tanh "Element-wise hyperbolic tangent."
#define EMBER_DOC_arcsinh "Element-wise inverse hyperbolic sine."
#define EMBER_DOC_arccosh                                                 \
  "Element-wise inverse hyperbolic cosine.\n\n"                           \
  "Real inputs below 1 give NaN."
#define EMBER_DOC_arctanh                                                 \
  "Element-wise inverse hyperbolic tangent.\n\n"                          \
  "Real inputs outside [-1, 1] give NaN (infinity at -1 and 1)."
#define EMBER_DOC_erf                                                     \
  "Element-wise Gauss error function.\n\nComplex input is rejected."
#define EMBER_DOC_erfinv                                                  \
  "Element-wise inverse of the error function.\n\n"                      \
  "Defined on (-1, 1); -1 and 1 give infinities. Complex input is "       \
  "rejected."
#define EMBER_DOC_sigmoid                                                 \
  "Element-wise logistic sigmoid, ``1 / (1 + exp(-a))``.\n\n"            \
  "Complex input is rejected."
#define EMBER_DOC_isnan "Element-wise test for NaN."
#define EMBER_DOC_isinf                                                   \
  "Element-wise test for positive or negative infinity."
#define EMBER_DOC_isposinf "Element-wise test for positive infinity."
#define EMBER_DOC_isneginf "Element-wise test for negative infinity."
#define EMBER_DOC_logical_not                                             \
  "Element-wise logical not.\n\n"                                         \
  "Nonzero values count as true and zeros as false."
#define EMBER_DOC_bitwise_invert                                          \
  "Element-wise bitwise inversion, ``~a``.\n\n"                           \
  "Only integer and boolean inputs are accepted; for booleans this is "   \
  "logical not."
#define EMBER_DOC_add "Element-wise addition, ``a + b``."
#define EMBER_DOC_subtract "Element-wise subtraction, ``a - b``."
#define EMBER_DOC_multiply "Element-wise multiplication, ``a * b``."
#define EMBER_DOC_divide                                                  \
  "Element-wise true division, ``a / b``.\n\n"                            \
  "Integer and boolean inputs are divided in floating point."
#define EMBER_DOC_floor_divide                                            \
  "Element-wise floor division, ``a // b``.\n\n"                          \
  "The quotient is rounded towards negative infinity, as in Python. "     \
  "Complex input is rejected."
#define EMBER_DOC_remainder                                               \
  "Element-wise remainder of floor division, ``a % b``.\n\n"              \
  "The result has the sign of ``b``, as in Python. Complex input is "     \
  "rejected."
#define EMBER_DOC_power                                                   \
  "Element-wise power, ``a ** b``.\n\n"                                   \
  "With integer inputs, negative exponents give 0."
#define EMBER_DOC_maximum                                                 \
  "Element-wise maximum of two arrays.\n\nNaN in either input gives NaN."
#define EMBER_DOC_minimum                                                 \
  "Element-wise minimum of two arrays.\n\nNaN in either input gives NaN."
#define EMBER_DOC_arctan2                                                 \
  "Element-wise inverse tangent of ``a / b``, using the signs of both "   \
  "to pick the quadrant.\n\n"                                             \
  "The result is in radians, in [-pi, pi]. Complex input is rejected."
#define EMBER_DOC_logaddexp                                               \
  "Element-wise ``log(exp(a) + exp(b))``, computed without overflow."
#define EMBER_DOC_equal "Element-wise equality test, ``a == b``."
#define EMBER_DOC_not_equal "Element-wise inequality test, ``a != b``."
#define EMBER_DOC_less "Element-wise ``a < b``."
#define EMBER_DOC_less_equal "Element-wise ``a <= b``."
#define EMBER_DOC_greater "Element-wise ``a > b``."
#define EMBER_DOC_greater_equal "Element-wise ``a >= b``."
#define EMBER_DOC_logical_and                                             \
  "Element-wise logical and.\n\n"                                         \
  "Nonzero values count as true and zeros as false."
#define EMBER_DOC_logical_or                                              \
  "Element-wise logical or.\n\n"                                          \
  "Nonzero values count as true and zeros as false."
#define EMBER_DOC_logical_xor                                             \
  "Element-wise logical exclusive or.\n\n"                                \
  "Nonzero values count as true and zeros as false."
#define EMBER_DOC_bitwise_and                                             \
  "Element-wise bitwise and, ``a & b``, of integer or boolean inputs."
#define EMBER_DOC_bitwise_or                                              \
  "Element-wise bitwise or, ``a | b``, of integer or boolean inputs."
#define EMBER_DOC_bitwise_xor                                             \
  "Element-wise bitwise exclusive or, ``a ^ b``, of integer or boolean "  \
  "inputs."
#define EMBER_DOC_left_shift                                              \
  "Element-wise left shift, ``a << b``, of integer or boolean inputs."
#define EMBER_DOC_right_shift                                             \
  "Element-wise right shift, ``a >> b``, of integer or boolean inputs.\n\n" \
  "Signed integers shift arithmetically (the sign is kept)."
#define EMBER_UNARY_RETURNS_Same                                          \
  "array: The result, with the shape and dtype of ``a``."
#define EMBER_UNARY_RETURNS_Float                                         \
  "array: The result, with the shape of ``a``. Floating point and "       \
  "complex inputs keep their dtype; integer and boolean inputs give "     \
  "float32."
#define EMBER_UNARY_RETURNS_Bool                                          \
  "array: A boolean array with the shape of ``a``."
#define EMBER_UNARY_RETURNS_Int                                           \
  "array: The result, with the shape and dtype of ``a``."
#define EMBER_BINARY_RETURNS_Arith                                        \
  "array: The result, with the broadcast shape of the inputs and their "  \
  "promoted dtype."
#define EMBER_BINARY_RETURNS_Float                                        \
  "array: The result, with the broadcast shape of the inputs and their "  \
  "promoted dtype, or float32 if both are integer or boolean."
#define EMBER_BINARY_RETURNS_Compare                                      \
  "array: A boolean array with the broadcast shape of the inputs."
#define EMBER_BINARY_RETURNS_Logical                                      \
  "array: A boolean array with the broadcast shape of the inputs."
#define EMBER_BINARY_RETURNS_Bitwise                                      \
  "array: The result, with the broadcast shape of the inputs and their "  \
  "promoted dtype."

void bind_elementwise(nb::module_& m) {
#define UNARY(Class, name, rule, cplx, ...)                                      \
  def_op(m, #name, [](ArrayArg a, StreamArg s) { return name(ARR(a), SOD); }, \
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),                      \
        EMBER_DOC_##name "\n\n"                                                \
        "Args:\n"                                                              \
        "    a (array): Input array (scalars and sequences are converted).\n" \
        "    stream (Stream, optional): Stream or device to run on.\n\n"      \
        "Returns:\n"                                                           \
        "    " EMBER_UNARY_RETURNS_##rule);
#include "ops/unary.def"
#undef UNARY
#define BINARY(Class, name, rule, cplx, ...)                                    \
  def_op(m, #name,                                                             \
        [](ArrayArg a, ArrayArg b, StreamArg s) {                     \
          auto [x, y] = to_arrays(a, b);                                   \
          return name(x, y, SOD);                                          \
        },                                                                 \
        "a"_a, "b"_a, "stream"_a.none() = nb::none(),                             \
        EMBER_DOC_##name "\n\n"                                            \
        "The inputs broadcast against each other. A Python scalar takes "   \
        "the dtype of the array it meets unless it is of a wider kind: an " \
        "int with a boolean array gives int32, a float with an integer "    \
        "or boolean array gives float32, and a complex gives complex64.\n\n" \
        "Args:\n"                                                          \
        "    a (array or scalar): First input.\n"                          \
        "    b (array or scalar): Second input.\n"                         \
        "    stream (Stream, optional): Stream or device to run on.\n\n"   \
        "Returns:\n"                                                       \
        "    " EMBER_BINARY_RETURNS_##rule);
#include "ops/binary.def"
#undef BINARY
  def_op(m, "conjugate", [](ArrayArg a, StreamArg s) { return conjugate(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise complex conjugate.\n\n"
        "The imaginary part changes sign; real inputs are returned as they "
        "are.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The conjugate, with the shape and dtype of ``a``.");
  const char* aliases[][2] = {
      {"acos", "arccos"},   {"acosh", "arccosh"}, {"asin", "arcsin"},
      {"asinh", "arcsinh"}, {"atan", "arctan"},   {"atanh", "arctanh"},
      {"atan2", "arctan2"}, {"conj", "conjugate"},
      {"pow", "power"},
      {"bitwise_left_shift", "left_shift"},
      {"bitwise_right_shift", "right_shift"}};
  for (auto& [alias, name] : aliases) m.attr(alias) = m.attr(name);

  def_op(m, "round",
        [](ArrayArg a, int decimals, StreamArg s) {
          return round(ARR(a), decimals, SOD);
        },
        "a"_a, "decimals"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise rounding to a number of decimals.\n\n"
        "Ties round to the nearest even value. A negative ``decimals`` "
        "rounds to tens, hundreds and so on; integer inputs are returned as "
        "they are unless ``decimals`` is negative.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    decimals (int, optional): Number of decimal places to keep. "
        "Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The rounded array, with the shape and dtype of ``a``.");
  def_op(m, "positive", [](ArrayArg a, nb::handle) { return ARR(a); }, "a"_a,
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise unary plus, ``+a``.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: ``a`` itself, unchanged.");
  def_op(m, "real", [](ArrayArg a, StreamArg s) { return real(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise real part.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The real part, float32 for complex input; real inputs are "
        "returned as they are.");
  def_op(m, "imag", [](ArrayArg a, StreamArg s) { return imag(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise imaginary part.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The imaginary part, float32 for complex input; zeros of "
        "the input's dtype for real input.");
  def_op(m, "isfinite", [](ArrayArg a, StreamArg s) { return isfinite(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise test for finite values.\n\n"
        "NaN and infinities are not finite; integers and booleans always "
        "are. A complex value is finite when both of its parts are.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A boolean array with the shape of ``a``.");
  def_op(m, "where",
        [](nb::handle c, ArrayArg x, ArrayArg y, StreamArg s) {
          auto [xa, ya] = to_arrays(x, y);
          return where(ARR(c), xa, ya, SOD);
        },
        "condition"_a, "x"_a, "y"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Select elements from ``x`` or ``y`` by a condition.\n\n"
        "The three inputs broadcast against each other. The condition is "
        "converted to bool (nonzero is true).\n\n"
        "Args:\n"
        "    condition (array): Where true, take from ``x``; elsewhere, from "
        "``y``.\n"
        "    x (array or scalar): Values used where the condition holds.\n"
        "    y (array or scalar): Values used where it does not.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The selection, with the broadcast shape and the promoted "
        "dtype of ``x`` and ``y``.");
  def_op(m, "divmod",
        [](ArrayArg a, ArrayArg b, StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          auto r = divmod(x, y, SOD);
          return nb::make_tuple(r[0], r[1]);
        },
        "a"_a, "b"_a, "stream"_a.none() = nb::none(),
        "Element-wise floor quotient and remainder in one call.\n\n"
        "Equivalent to ``(a // b, a % b)``, with broadcasting.\n\n"
        "Args:\n"
        "    a (array or scalar): The dividend.\n"
        "    b (array or scalar): The divisor.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The quotient, rounded towards negative "
        "infinity, and the remainder, which has the sign of ``b``.");
  def_op(m, "isclose",
        [](ArrayArg a, ArrayArg b, double rtol, double atol, bool equal_nan,
           StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          return isclose(x, y, rtol, atol, equal_nan, SOD);
        },
        "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Element-wise test of whether two arrays are equal within a "
        "tolerance.\n\n"
        "Elements are close when ``abs(a - b) <= atol + rtol * abs(b)``. "
        "Infinities are close only to infinities of the same sign.\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input; it broadcasts with ``a``.\n"
        "    rtol (float, optional): Relative tolerance. Default: ``1e-05``.\n"
        "    atol (float, optional): Absolute tolerance. Default: ``1e-08``.\n"
        "    equal_nan (bool, optional): Whether two NaNs count as close. "
        "Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A boolean array with the broadcast shape.");
  def_op(m, "allclose",
        [](ArrayArg a, ArrayArg b, double rtol, double atol, bool equal_nan,
           StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          return allclose(x, y, rtol, atol, equal_nan, SOD);
        },
        "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Whether all elements of two arrays are equal within a tolerance.\n\n"
        "The reduction of :func:`isclose` with :func:`all`.\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input; it broadcasts with ``a``.\n"
        "    rtol (float, optional): Relative tolerance. Default: ``1e-05``.\n"
        "    atol (float, optional): Absolute tolerance. Default: ``1e-08``.\n"
        "    equal_nan (bool, optional): Whether two NaNs count as close. "
        "Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A boolean scalar array.");
  def_op(m, "array_equal",
        [](ArrayArg a, ArrayArg b, bool equal_nan, StreamArg s) {
          return array_equal(ARR(a), ARR(b), equal_nan, SOD);
        },
        "a"_a, "b"_a, "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Whether two arrays have the same shape and the same values.\n\n"
        "The dtypes need not match: values are compared after promotion. "
        "Arrays of different shapes are simply not equal.\n\n"
        "Args:\n"
        "    a (array or scalar): First input.\n"
        "    b (array or scalar): Second input.\n"
        "    equal_nan (bool, optional): Whether NaNs in the same places "
        "count as equal. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A boolean scalar array.");
}

// arange's bounds: start defaults to 0 (a None stop takes start's place, as
// in arange(5, None)); the dtype is float32 when any bound is a float.
array arange_from(nb::handle start_h, nb::handle stop_h, nb::handle step_h,
                  nb::handle dtype, StreamOrDevice s) {
  bool any_float = false;
  auto value = [&](nb::handle h, double fallback) {
    if (h.is_none()) return fallback;
    if (!PyNumber_Check(h.ptr())) {
      throw nb::type_error("[arange] Expected int or float bounds.");
    }
    any_float |= PyFloat_Check(h.ptr());
    return nb::cast<double>(h);
  };
  if (stop_h.is_none()) {
    if (start_h.is_none()) throw nb::type_error("[arange] A stop value is required.");
    std::swap(start_h, stop_h);
  }
  double start = value(start_h, 0), stop = value(stop_h, 0);
  double step = value(step_h, 1);
  // Integer ranges reaching past int32 widen to int64.
  auto fits32 = [](double x) { return std::abs(x) <= 2147483647.0; };
  Dtype int_t = fits32(start) && fits32(stop) ? int32 : int64;
  Dtype dt = to_dtype(dtype).value_or(any_float ? float32 : int_t);
  return arange(start, stop, step, dt, s);
}

void bind_creation(nb::module_& m) {
  def_op(m, "zeros",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create an array filled with zeros.\n\n"
        "Args:\n"
        "    shape (int or list(int)): The shape of the output.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The zero-filled array.");
  def_op(m, "ones",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          return ones(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create an array filled with ones.\n\n"
        "Args:\n"
        "    shape (int or list(int)): The shape of the output.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array of ones.");
  def_op(m, "full",
        [](IntsArg shape, ArrayArg vals, DtypeArg dtype, StreamArg s) {
          auto dt = to_dtype(dtype);
          return full(to_shape(shape), to_array(vals, dt), dt, SOD);
        },
        "shape"_a, "vals"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Create an array of a given shape filled with given values.\n\n"
        "``vals`` is broadcast to ``shape``, so it may be a scalar or any "
        "array whose shape broadcasts to it.\n\n"
        "Args:\n"
        "    shape (int or list(int)): The shape of the output.\n"
        "    vals (scalar or array): The fill value(s).\n"
        "    dtype (Dtype, optional): The element type. By default the dtype "
        "of ``vals`` (int32 for a Python int, float32 for a float).\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The filled array.");
  def_op(m, "empty",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          // Zero-filled: uninitialized memory would leak old data.
          return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Create a new array without choosing its values.\n\n"
        "In Ember the contents are zeros, so no stale memory is exposed; "
        "code should not rely on that.\n\n"
        "Args:\n"
        "    shape (int or list(int)): The shape of the output.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The new array.");
  def_op(m, "full_like",
        [](ArrayArg a, ArrayArg vals, DtypeArg dtype, StreamArg s) {
          array x = ARR(a);
          Dtype dt = to_dtype(dtype).value_or(x.dtype());
          return full(x.shape(), scalar_to_array(vals, dt), dt, SOD);
        },
        "a"_a, "vals"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Create an array with the shape of another, filled with a value.\n\n"
        "Args:\n"
        "    a (array): The array whose shape (and, by default, dtype) is "
        "used.\n"
        "    vals (scalar or array): The fill value; it is converted to the "
        "output dtype.\n"
        "    dtype (Dtype, optional): The element type. Default: the dtype "
        "of ``a``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The filled array, with the shape of ``a``.");
  // zeros_like/ones_like/empty_like: shaped like a, in a's dtype unless given.
  struct Like {
    const char* name;
    bool ones;
    const char* doc;
  };
  for (Like like : {Like{"zeros_like", false,
                         "Create an array of zeros with the shape of another.\n\n"
                         "Args:\n"
                         "    a (array): The array whose shape (and, by "
                         "default, dtype) is used.\n"
                         "    dtype (Dtype, optional): The element type. "
                         "Default: the dtype of ``a``.\n"
                         "    stream (Stream, optional): Stream or device to "
                         "run on.\n\n"
                         "Returns:\n"
                         "    array: Zeros with the shape of ``a``."},
                    Like{"ones_like", true,
                         "Create an array of ones with the shape of another.\n\n"
                         "Args:\n"
                         "    a (array): The array whose shape (and, by "
                         "default, dtype) is used.\n"
                         "    dtype (Dtype, optional): The element type. "
                         "Default: the dtype of ``a``.\n"
                         "    stream (Stream, optional): Stream or device to "
                         "run on.\n\n"
                         "Returns:\n"
                         "    array: Ones with the shape of ``a``."},
                    Like{"empty_like", false,
                         "Create a new array with the shape of another, "
                         "without choosing its values.\n\n"
                         "In Ember the contents are zeros; code should not "
                         "rely on that.\n\n"
                         "Args:\n"
                         "    a (array): The array whose shape (and, by "
                         "default, dtype) is used.\n"
                         "    dtype (Dtype, optional): The element type. "
                         "Default: the dtype of ``a``.\n"
                         "    stream (Stream, optional): Stream or device to "
                         "run on.\n\n"
                         "Returns:\n"
                         "    array: A new array with the shape of ``a``."}}) {
    bool ones = like.ones;
    def_op(m, like.name,
          [ones](ArrayArg a, DtypeArg dtype, StreamArg s) {
            array x = ARR(a);
            Dtype dt = to_dtype(dtype).value_or(x.dtype());
            return ones ? ember::ones(x.shape(), dt, SOD)
                        : zeros(x.shape(), dt, SOD);
          },
          "a"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
          "stream"_a.none() = nb::none(), like.doc);
  }
  // Two forms, as in MLX: arange(start, stop, step=None, dtype=None) and
  // arange(stop, step=None, dtype=None); either may be called by keyword.
  def_op(m, "arange",
        [](nb::handle start, nb::handle stop, nb::handle step, DtypeArg dtype,
           StreamArg s) { return arange_from(start, stop, step, dtype, SOD); },
        "start"_a.none(), "stop"_a.none(), "step"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create a range of evenly spaced values in ``[start, stop)``.\n\n"
        "There are two forms: ``arange(start, stop, step=None)`` and "
        "``arange(stop, step=None)``, where ``start`` is 0. The output "
        "holds ``ceil((stop - start) / step)`` values (none when that is "
        "not positive). Because of rounding, float steps may give one value "
        "more or less than expected; :func:`linspace` avoids that.\n\n"
        "Args:\n"
        "    start (int or float, optional): The first value. Default: "
        "``0``.\n"
        "    stop (int or float): The end of the range, not included.\n"
        "    step (int or float, optional): The spacing between values. "
        "Default: ``1``.\n"
        "    dtype (Dtype, optional): The element type. By default float32 "
        "if any bound is a float, else int32 (int64 when a bound does not "
        "fit in int32).\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A 1-D array of the values.");
  def_op(m, "arange",
        [](nb::handle stop, nb::handle step, DtypeArg dtype, StreamArg s) {
          return arange_from(nb::none(), stop, step, dtype, SOD);
        },
        "stop"_a, "step"_a.none() = nb::none(), "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create a range of evenly spaced values in ``[0, stop)``.\n\n"
        "Args:\n"
        "    stop (int or float): The end of the range, not included.\n"
        "    step (int or float, optional): The spacing between values. "
        "Default: ``1``.\n"
        "    dtype (Dtype, optional): The element type (see the first form "
        "for the default).\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A 1-D array of the values.");
  def_op(m, "linspace",
        [](double start, double stop, int64_t num, bool endpoint,
           DtypeArg dtype, StreamArg s) {
          // Without the endpoint the step is (stop - start) / num.
          if (!endpoint && num > 0) {
            stop = start + (stop - start) * static_cast<double>(num - 1) /
                               static_cast<double>(num);
          }
          return linspace(start, stop, num, to_dtype(dtype).value_or(float32), SOD);
        },
        "start"_a, "stop"_a, "num"_a = 50, "endpoint"_a = true,
        "dtype"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Create ``num`` evenly spaced values over an interval.\n\n"
        "Args:\n"
        "    start (float): The first value.\n"
        "    stop (float): The last value, if ``endpoint`` is true.\n"
        "    num (int, optional): How many values. Default: ``50``.\n"
        "    endpoint (bool, optional): Whether ``stop`` is included; if "
        "not, the spacing is ``(stop - start) / num``. Default: ``True``.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A 1-D array of ``num`` values.");
  def_op(m, "eye",
        [](int64_t n, nb::handle m_, int64_t k, DtypeArg dtype, StreamArg s) {
          int64_t cols = m_.is_none() ? n : nb::cast<int64_t>(m_);
          return eye(n, cols, k, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "m"_a.none() = nb::none(), "k"_a = 0, "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create a 2-D array with ones on a diagonal and zeros elsewhere.\n\n"
        "Args:\n"
        "    n (int): Number of rows.\n"
        "    m (int, optional): Number of columns. Default: ``n``.\n"
        "    k (int, optional): Which diagonal holds the ones: 0 is the "
        "main diagonal, positive values are above it and negative values "
        "below. Default: ``0``.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An array of shape ``(n, m)``.");
  def_op(m, "identity",
        [](int64_t n, DtypeArg dtype, StreamArg s) {
          return eye(n, n, 0, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create the square identity matrix.\n\n"
        "Args:\n"
        "    n (int): Number of rows and columns.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An ``(n, n)`` array with ones on the main diagonal.");
  def_op(m, "tri",
        [](int64_t n, nb::handle m_, int64_t k, DtypeArg dtype, StreamArg s) {
          int64_t cols = m_.is_none() ? n : nb::cast<int64_t>(m_);
          return tri(n, cols, k, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "m"_a.none() = nb::none(), "k"_a = 0, "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Create a lower-triangular matrix of ones.\n\n"
        "Elements at and below the ``k``-th diagonal are one, the rest "
        "zero.\n\n"
        "Args:\n"
        "    n (int): Number of rows.\n"
        "    m (int, optional): Number of columns. Default: ``n``.\n"
        "    k (int, optional): The diagonal bounding the ones: 0 is the "
        "main diagonal, positive values are above it. Default: ``0``.\n"
        "    dtype (Dtype, optional): The element type. Default: "
        "``float32``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An array of shape ``(n, m)``.");
  def_op(m, "astype",
        [](ArrayArg a, Dtype d, StreamArg s) { return astype(ARR(a), d, SOD); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Convert an array to another dtype.\n\n"
        "Floats convert to integers by truncation towards zero; any "
        "nonzero value converts to ``True``.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    dtype (Dtype): The target element type.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The converted array, with the shape of ``a``.");
  def_op(m, "view",
        [](ArrayArg a, Dtype d, StreamArg s) { return view(ARR(a), d, SOD); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Reinterpret an array's bytes as another dtype.\n\n"
        "No values are converted. If the two dtypes differ in size, the "
        "last axis grows or shrinks by the ratio of the sizes (it must be "
        "divisible by it when it shrinks).\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    dtype (Dtype): The element type to read the bytes as.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The same bytes seen as ``dtype``.");
  def_op(m, "contiguous",
        [](ArrayArg a, bool allow_col, StreamArg s) {
          return contiguous(ARR(a), allow_col, SOD);
        },
        "a"_a, "allow_col_major"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Make an array's memory contiguous.\n\n"
        "The data is copied only when its layout is not already "
        "contiguous.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    allow_col_major (bool, optional): Whether a column-major "
        "(transposed) layout also counts as contiguous. Default: "
        "``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An array equal to ``a`` with a contiguous layout.");
  def_op(m, "asarray",
        [](ArrayArg a, DtypeArg dtype, nb::handle copy) {
          if (!copy.is_none() && !nb::cast<bool>(copy)) {
            throw ValueError("[asarray] copy=False cannot be guaranteed: the "
                             "data is always copied or shared by value.");
          }
          array out = to_array(a, to_dtype(dtype));
          bool forced = !copy.is_none() && nb::cast<bool>(copy);
          return forced && nb::isinstance<array>(a) ? contiguous(out) : out;
        },
        "a"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "copy"_a.none() = nb::none(),
        "Convert the input to an array.\n\n"
        "Arrays pass through (converted if ``dtype`` differs); scalars, "
        "nested sequences, numpy arrays and objects with "
        "``__mlx_array__`` or the buffer protocol are converted.\n\n"
        "Args:\n"
        "    a (object): The data to convert.\n"
        "    dtype (Dtype, optional): The element type. By default it is "
        "inferred from the data.\n"
        "    copy (bool, optional): ``True`` forces a copy. ``False`` "
        "(never copy) cannot be guaranteed and raises ``ValueError``. "
        "``None`` copies only when needed. Default: ``None``.\n\n"
        "Returns:\n"
        "    array: The converted array.");
  def_op(m, "result_type",
        [](nb::args args) {
          if (args.size() == 0) {
            throw ValueError("[result_type] At least one array or dtype is "
                             "required.");
          }
          Dtype t = bool_;
          bool first = true;
          for (auto h : args) {
            Dtype d = nb::isinstance<Dtype>(h) ? nb::cast<Dtype>(h)
                                                : to_array(h).dtype();
            t = first ? d : promote_types(t, d);
            first = false;
          }
          return t;
        },
        "The dtype that an operation on the given inputs would produce.\n\n"
        "The dtypes are combined by the type promotion rules; Python "
        "scalars count as arrays of their default dtype.\n\n"
        "Args:\n"
        "    *args (array or Dtype): One or more arrays, scalars or "
        "dtypes.\n\n"
        "Returns:\n"
        "    Dtype: The promoted dtype.");
}

void bind_shape(nb::module_& m) {
  def_op(m, "reshape",
        [](ArrayArg a, IntsArg shape, StreamArg s) {
          return reshape(ARR(a), to_shape(shape), SOD);
        },
        "a"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Give an array a new shape without changing its data.\n\n"
        "The elements are taken in row-major order. One entry of ``shape`` "
        "may be -1; it is inferred from the size.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    shape (int or list(int)): The new shape, with the same number "
        "of elements.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The reshaped array.");
  def_op(m, "flatten",
        [](ArrayArg a, int64_t b, int64_t e, StreamArg s) {
          return flatten(ARR(a), b, e, SOD);
        },
        "a"_a, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Merge a run of consecutive axes into one.\n\n"
        "With the defaults the result is 1-D. A scalar becomes a 1-D array "
        "of one element.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    start_axis (int, optional): The first axis to merge. Default: "
        "``0``.\n"
        "    end_axis (int, optional): The last axis to merge (included). "
        "Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The flattened array.");
  def_op(m, "unflatten",
        [](ArrayArg a, int64_t axis, IntsArg shape, StreamArg s) {
          return unflatten(ARR(a), axis, to_shape(shape), SOD);
        },
        "a"_a, "axis"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Split one axis into several; the inverse of :func:`flatten`.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int): The axis to split.\n"
        "    shape (list(int)): The sizes of the new axes. Their product "
        "must equal the size of ``axis``; one of them may be -1 and is "
        "then inferred.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with ``axis`` replaced by the new axes.");
  def_op(m, "transpose",
        [](ArrayArg a, IntsArg axes, StreamArg s) {
          if (axes.is_none()) return transpose(ARR(a), SOD);
          return transpose(ARR(a), nb::cast<std::vector<int64_t>>(axes), SOD);
        },
        "a"_a, "axes"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Permute the axes of an array.\n\n"
        ":func:`transpose` and :func:`permute_dims` are the same "
        "function.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axes (list(int), optional): The new order of the axes: output "
        "axis ``i`` is input axis ``axes[i]``. By default the axes are "
        "reversed.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The transposed array.");
  m.attr("permute_dims") = m.attr("transpose");
  def_op(m, "swapaxes",
        [](ArrayArg a, int64_t a1, int64_t a2, StreamArg s) {
          return swapaxes(ARR(a), a1, a2, SOD);
        },
        "a"_a, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Swap two axes of an array.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis1 (int): The first axis.\n"
        "    axis2 (int): The second axis.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with the two axes exchanged.");
  def_op(m, "moveaxis",
        [](ArrayArg a, int64_t src, int64_t dst, StreamArg s) {
          return moveaxis(ARR(a), src, dst, SOD);
        },
        "a"_a, "source"_a, "destination"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Move one axis to a new position, keeping the order of the others."
        "\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    source (int): The axis to move.\n"
        "    destination (int): Where it ends up.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with the axis moved.");
  def_op(m, "squeeze",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          array x = ARR(a);
          if (axis.is_none()) return squeeze(x, SOD);
          return squeeze(x, to_shape(axis), SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Remove axes of size one.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axes to remove; each "
        "must have size one. By default every axis of size one is "
        "removed.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The squeezed array.");
  def_op(m, "expand_dims",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          return expand_dims(ARR(a), to_shape(axis), SOD);
        },
        "a"_a, "axis"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Insert axes of size one.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int)): Where the new axes go, as positions "
        "in the output.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with the extra axes.");
  def_op(m, "broadcast_to",
        [](ArrayArg a, IntsArg shape, StreamArg s) {
          return broadcast_to(ARR(a), to_shape(shape), SOD);
        },
        "a"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Broadcast an array to a shape.\n\n"
        "Axes are matched from the right; an axis of size one stretches to "
        "any size and missing leading axes are added.\n\n"
        "Args:\n"
        "    a (array or scalar): Input array.\n"
        "    shape (list(int)): The target shape.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The broadcast array, with shape ``shape``.");
  def_op(m, "broadcast_arrays",
        [](nb::args arrays, StreamArg s) {
          auto out = broadcast_arrays(to_array_list(arrays), SOD);
          nb::list l;
          for (auto& a : out) l.append(a);
          return nb::tuple(l);
        },
        "arrays"_a, "stream"_a.none() = nb::none(),
        "Broadcast several arrays against each other.\n\n"
        "Args:\n"
        "    *arrays (array): The arrays to broadcast.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array): The inputs, each broadcast to the common shape.");
  def_op(m, "broadcast_shapes",
        [](nb::args shapes) {
          if (shapes.size() == 0) {
            throw ValueError("[broadcast_shapes] At least one shape is required.");
          }
          Shape out;
          for (auto h : shapes) out = broadcast_shapes(out, to_shape(h), "broadcast_shapes");
          nb::list l;
          for (auto d : out) l.append(d);
          return nb::tuple(l);
        },
        "The shape that several shapes broadcast to.\n\n"
        "Raises ``ValueError`` if the shapes are not compatible.\n\n"
        "Args:\n"
        "    *args (list(int)): One or more shapes.\n\n"
        "Returns:\n"
        "    tuple(int): The broadcast shape.");
  auto concat = [](nb::handle arrays, IntsArg axis, StreamArg s) {
    auto v = to_array_list(arrays);
    if (axis.is_none()) return concatenate(v, SOD);
    return concatenate(v, nb::cast<int64_t>(axis), SOD);
  };
  const char* concat_doc =
      "Join arrays along an existing axis.\n\n"
      "The arrays must have the same shape except along ``axis``; their "
      "dtypes are promoted to a common one. :func:`concatenate` and "
      ":func:`concat` are the same function.\n\n"
      "Args:\n"
      "    arrays (list(array)): The arrays to join.\n"
      "    axis (int, optional): The axis to join along. ``None`` "
      "flattens the arrays first. Default: ``0``.\n"
      "    stream (Stream, optional): Stream or device to run on.\n\n"
      "Returns:\n"
      "    array: The joined array.";
  def_op(m, "concatenate", concat, "arrays"_a, "axis"_a.none() = 0, nb::kw_only(),
        "stream"_a.none() = nb::none(), concat_doc);
  def_op(m, "concat", concat, "arrays"_a, "axis"_a.none() = 0, nb::kw_only(),
        "stream"_a.none() = nb::none(), concat_doc);
  def_op(m, "stack",
        [](nb::handle arrays, int64_t axis, StreamArg s) {
          return stack(to_array_list(arrays), axis, SOD);
        },
        "arrays"_a, "axis"_a.none() = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Join arrays along a new axis.\n\n"
        "The arrays must all have the same shape.\n\n"
        "Args:\n"
        "    arrays (list(array)): The arrays to stack.\n"
        "    axis (int, optional): The position of the new axis in the "
        "output. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The stacked array, with one more axis than the inputs.");
  def_op(m, "split",
        [](ArrayArg a, nb::handle ind, int64_t axis, StreamArg s) {
          std::vector<array> parts =
              PyLong_Check(ind.ptr())
                  ? split(ARR(a), nb::cast<int64_t>(ind), axis, SOD)
                  : split(ARR(a), nb::cast<Shape>(ind), axis, SOD);
          nb::list l;
          for (auto& p : parts) l.append(p);
          return l;
        },
        "a"_a, "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Split an array into parts along an axis.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    indices_or_sections (int or list(int)): A number of equal "
        "parts (it must divide the size of the axis), or the indices at "
        "which to cut.\n"
        "    axis (int, optional): The axis to split. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    list(array): The parts, in order.");
  def_op(m, "clip",
        [](ArrayArg a, nb::handle lo, nb::handle hi, StreamArg s) {
          if (lo.is_none() && hi.is_none()) {
            throw ValueError("[clip] At most one of a_min and a_max may be None.");
          }
          array x = ARR(a);
          if (!lo.is_none()) x = maximum(x, scalar_to_array(lo, x.dtype()), SOD);
          if (!hi.is_none()) x = minimum(x, scalar_to_array(hi, x.dtype()), SOD);
          return x;
        },
        "a"_a, "a_min"_a.none(), "a_max"_a.none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Limit the values of an array to an interval.\n\n"
        "Values below ``a_min`` become ``a_min`` and values above ``a_max`` "
        "become ``a_max``. At most one bound may be ``None``.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    a_min (scalar or array, optional): The lower bound, or "
        "``None`` for none.\n"
        "    a_max (scalar or array, optional): The upper bound, or "
        "``None`` for none.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The clipped array (bounds broadcast with ``a``).");
  def_op(m, "matmul",
        [](ArrayArg a, ArrayArg b, StreamArg s) {
          return matmul(ARR(a), ARR(b), SOD);
        },
        "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix product, ``a @ b``.\n\n"
        "Axes before the last two are batch axes and broadcast. A 1-D "
        "``a`` is treated as a row vector and a 1-D ``b`` as a column "
        "vector; the added axis is removed from the result. Only real "
        "floating point inputs are supported.\n\n"
        "Args:\n"
        "    a (array): Left operand, at least 1-D.\n"
        "    b (array): Right operand, at least 1-D.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The matrix product.");
}

}  // namespace

void bind_reduce(nb::module_& m);
void bind_scan_sort(nb::module_& m);
void bind_eval(nb::module_& m);

void init_ops(nb::module_& m) {
  bind_elementwise(m);
  bind_creation(m);
  bind_shape(m);
  bind_reduce(m);
  bind_eval(m);
  bind_scan_sort(m);
  init_indexing_ops(m);
}

}  // namespace ember::py
