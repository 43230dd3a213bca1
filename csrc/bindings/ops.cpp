// Module-level op functions and their method forms on `array`.
#include <algorithm>
#include <cmath>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/scan.h"

namespace ember::py {

namespace {

void bind_elementwise(nb::module_& m) {
#define UNARY(Class, name, rule, cplx, ...)                                      \
  m.def(#name, [](ArrayArg a, StreamArg s) { return name(ARR(a), SOD); }, \
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),                      \
        "Element-wise " #name " of the input.");
#include "ops/unary.def"
#undef UNARY
#define BINARY(Class, name, rule, cplx, ...)                                    \
  m.def(#name,                                                             \
        [](ArrayArg a, ArrayArg b, StreamArg s) {                     \
          auto [x, y] = to_arrays(a, b);                                   \
          return name(x, y, SOD);                                          \
        },                                                                 \
        "a"_a, "b"_a, "stream"_a.none() = nb::none(),                             \
        "Element-wise " #name " of the two inputs, with broadcasting.");
#include "ops/binary.def"
#undef BINARY
  m.def("conjugate", [](ArrayArg a, StreamArg s) { return conjugate(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise complex conjugate (the input for real dtypes).");
  const char* aliases[][2] = {
      {"acos", "arccos"},   {"acosh", "arccosh"}, {"asin", "arcsin"},
      {"asinh", "arcsinh"}, {"atan", "arctan"},   {"atanh", "arctanh"},
      {"atan2", "arctan2"}, {"conj", "conjugate"},
      {"pow", "power"},
      {"bitwise_left_shift", "left_shift"},
      {"bitwise_right_shift", "right_shift"}};
  for (auto& [alias, name] : aliases) m.attr(alias) = m.attr(name);

  m.def("round",
        [](ArrayArg a, int decimals, StreamArg s) {
          return round(ARR(a), decimals, SOD);
        },
        "a"_a, "decimals"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Round to the given number of decimals (halves to even).");
  m.def("positive", [](ArrayArg a, nb::handle) { return ARR(a); }, "a"_a,
        nb::kw_only(), "stream"_a.none() = nb::none(), "The input, unchanged.");
  m.def("real", [](ArrayArg a, StreamArg s) { return real(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The real part (float32 for complex input).");
  m.def("imag", [](ArrayArg a, StreamArg s) { return imag(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The imaginary part (zeros for real input).");
  m.def("isfinite", [](ArrayArg a, StreamArg s) { return isfinite(ARR(a), SOD); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Element-wise test for finite values.");
  m.def("where",
        [](nb::handle c, ArrayArg x, ArrayArg y, StreamArg s) {
          auto [xa, ya] = to_arrays(x, y);
          return where(ARR(c), xa, ya, SOD);
        },
        "condition"_a, "x"_a, "y"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Pick from x where condition is true and from y elsewhere.");
  m.def("divmod",
        [](ArrayArg a, ArrayArg b, StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          auto r = divmod(x, y, SOD);
          return nb::make_tuple(r[0], r[1]);
        },
        "a"_a, "b"_a, "stream"_a.none() = nb::none(),
        "Floor quotient and remainder, element-wise.");
  m.def("isclose",
        [](ArrayArg a, ArrayArg b, double rtol, double atol, bool equal_nan,
           StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          return isclose(x, y, rtol, atol, equal_nan, SOD);
        },
        "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Element-wise |a - b| <= atol + rtol * |b|.");
  m.def("allclose",
        [](ArrayArg a, ArrayArg b, double rtol, double atol, bool equal_nan,
           StreamArg s) {
          auto [x, y] = to_arrays(a, b);
          return allclose(x, y, rtol, atol, equal_nan, SOD);
        },
        "a"_a, "b"_a, "rtol"_a = 1e-5, "atol"_a = 1e-8, nb::kw_only(),
        "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Whether every element of a is close to b.");
  m.def("array_equal",
        [](ArrayArg a, ArrayArg b, bool equal_nan, StreamArg s) {
          return array_equal(ARR(a), ARR(b), equal_nan, SOD);
        },
        "a"_a, "b"_a, "equal_nan"_a = false, "stream"_a.none() = nb::none(),
        "Whether a and b have the same shape and values.");
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
  m.def("zeros",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "An array of zeros.");
  m.def("ones",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          return ones(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "An array of ones.");
  m.def("full",
        [](IntsArg shape, ArrayArg vals, DtypeArg dtype, StreamArg s) {
          auto dt = to_dtype(dtype);
          return full(to_shape(shape), to_array(vals, dt), dt, SOD);
        },
        "shape"_a, "vals"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "An array filled with (broadcast) vals.");
  m.def("empty",
        [](IntsArg shape, DtypeArg dtype, StreamArg s) {
          // Zero-filled: uninitialized memory would leak old data.
          return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), SOD);
        },
        "shape"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "A new array (zero-filled).");
  m.def("full_like",
        [](ArrayArg a, ArrayArg vals, DtypeArg dtype, StreamArg s) {
          array x = ARR(a);
          Dtype dt = to_dtype(dtype).value_or(x.dtype());
          return full(x.shape(), scalar_to_array(vals, dt), dt, SOD);
        },
        "a"_a, "vals"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "An array shaped like a, filled with vals.");
  // zeros_like/ones_like/empty_like: shaped like a, in a's dtype unless given.
  struct Like {
    const char* name;
    bool ones;
    const char* doc;
  };
  for (Like like : {Like{"zeros_like", false, "Zeros shaped like a."},
                    Like{"ones_like", true, "Ones shaped like a."},
                    Like{"empty_like", false,
                         "A new array shaped like a (zero-filled)."}}) {
    bool ones = like.ones;
    m.def(like.name,
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
  m.def("arange",
        [](nb::handle start, nb::handle stop, nb::handle step, DtypeArg dtype,
           StreamArg s) { return arange_from(start, stop, step, dtype, SOD); },
        "start"_a.none(), "stop"_a.none(), "step"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Evenly spaced values in [start, stop) with the given step.");
  m.def("arange",
        [](nb::handle stop, nb::handle step, DtypeArg dtype, StreamArg s) {
          return arange_from(nb::none(), stop, step, dtype, SOD);
        },
        "stop"_a, "step"_a.none() = nb::none(), "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Evenly spaced values in [0, stop) with the given step.");
  m.def("linspace",
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
        "num evenly spaced values from start to stop.");
  m.def("eye",
        [](int64_t n, nb::handle m_, int64_t k, DtypeArg dtype, StreamArg s) {
          int64_t cols = m_.is_none() ? n : nb::cast<int64_t>(m_);
          return eye(n, cols, k, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "m"_a.none() = nb::none(), "k"_a = 0, "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Ones on the k-th diagonal, zeros elsewhere.");
  m.def("identity",
        [](int64_t n, DtypeArg dtype, StreamArg s) {
          return eye(n, n, 0, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "The n by n identity matrix.");
  m.def("tri",
        [](int64_t n, nb::handle m_, int64_t k, DtypeArg dtype, StreamArg s) {
          int64_t cols = m_.is_none() ? n : nb::cast<int64_t>(m_);
          return tri(n, cols, k, to_dtype(dtype).value_or(float32), SOD);
        },
        "n"_a, "m"_a.none() = nb::none(), "k"_a = 0, "dtype"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Ones at and below the k-th diagonal, zeros above.");
  m.def("astype",
        [](ArrayArg a, Dtype d, StreamArg s) { return astype(ARR(a), d, SOD); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Convert to another dtype.");
  m.def("view",
        [](ArrayArg a, Dtype d, StreamArg s) { return view(ARR(a), d, SOD); },
        "a"_a, "dtype"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Reinterpret the bytes as another dtype.");
  m.def("contiguous",
        [](ArrayArg a, bool allow_col, StreamArg s) {
          return contiguous(ARR(a), allow_col, SOD);
        },
        "a"_a, "allow_col_major"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(), "A row-contiguous copy (or the input if it is one).");
  m.def("asarray",
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
        "Convert the input to an array.");
  m.def("result_type",
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
        "The dtype that results from promoting the inputs.");
}

void bind_shape(nb::module_& m) {
  m.def("reshape",
        [](ArrayArg a, IntsArg shape, StreamArg s) {
          return reshape(ARR(a), to_shape(shape), SOD);
        },
        "a"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The same data with a new shape.");
  m.def("flatten",
        [](ArrayArg a, int64_t b, int64_t e, StreamArg s) {
          return flatten(ARR(a), b, e, SOD);
        },
        "a"_a, "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Merge the axes from start to end into one.");
  m.def("unflatten",
        [](ArrayArg a, int64_t axis, IntsArg shape, StreamArg s) {
          return unflatten(ARR(a), axis, to_shape(shape), SOD);
        },
        "a"_a, "axis"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Split one axis into several.");
  m.def("transpose",
        [](ArrayArg a, IntsArg axes, StreamArg s) {
          if (axes.is_none()) return transpose(ARR(a), SOD);
          return transpose(ARR(a), nb::cast<std::vector<int64_t>>(axes), SOD);
        },
        "a"_a, "axes"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Permute the axes (reverse them by default).");
  m.attr("permute_dims") = m.attr("transpose");
  m.def("swapaxes",
        [](ArrayArg a, int64_t a1, int64_t a2, StreamArg s) {
          return swapaxes(ARR(a), a1, a2, SOD);
        },
        "a"_a, "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Swap two axes.");
  m.def("moveaxis",
        [](ArrayArg a, int64_t src, int64_t dst, StreamArg s) {
          return moveaxis(ARR(a), src, dst, SOD);
        },
        "a"_a, "source"_a, "destination"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Move one axis to a new position.");
  m.def("squeeze",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          array x = ARR(a);
          if (axis.is_none()) return squeeze(x, SOD);
          return squeeze(x, to_shape(axis), SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Remove axes of size one.");
  m.def("expand_dims",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          return expand_dims(ARR(a), to_shape(axis), SOD);
        },
        "a"_a, "axis"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Insert axes of size one.");
  m.def("broadcast_to",
        [](ArrayArg a, IntsArg shape, StreamArg s) {
          return broadcast_to(ARR(a), to_shape(shape), SOD);
        },
        "a"_a, "shape"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Broadcast to the given shape.");
  m.def("broadcast_arrays",
        [](nb::args arrays, StreamArg s) {
          auto out = broadcast_arrays(to_array_list(arrays), SOD);
          nb::list l;
          for (auto& a : out) l.append(a);
          return nb::tuple(l);
        },
        "arrays"_a, "stream"_a.none() = nb::none(),
        "Broadcast the inputs against each other.");
  m.def("broadcast_shapes",
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
        "The shape that the given shapes broadcast to.");
  auto concat = [](nb::handle arrays, IntsArg axis, StreamArg s) {
    auto v = to_array_list(arrays);
    if (axis.is_none()) return concatenate(v, SOD);
    return concatenate(v, nb::cast<int64_t>(axis), SOD);
  };
  m.def("concatenate", concat, "arrays"_a, "axis"_a.none() = 0, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Join arrays along an axis.");
  m.def("concat", concat, "arrays"_a, "axis"_a.none() = 0, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Join arrays along an axis.");
  m.def("stack",
        [](nb::handle arrays, int64_t axis, StreamArg s) {
          return stack(to_array_list(arrays), axis, SOD);
        },
        "arrays"_a, "axis"_a.none() = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Join arrays along a new axis.");
  m.def("split",
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
        "Split into equal sections or at the given indices.");
  m.def("clip",
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
        "Limit the values to [a_min, a_max]; a None bound is not applied.");
  m.def("matmul",
        [](ArrayArg a, ArrayArg b, StreamArg s) {
          return matmul(ARR(a), ARR(b), SOD);
        },
        "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix product with broadcasting over batch dimensions.");
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
