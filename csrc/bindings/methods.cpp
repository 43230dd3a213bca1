// Method forms of the ops on the Python `array` class.
#include "bindings/args.h"
#include "core/errors.h"
#include "ops/arrange.h"

namespace ember::py {

void init_array_methods(nb::class_<array>& cls) {
  cls.def("reshape",
          [](const array& a, nb::args shape, StreamArg s) {
            return reshape(a, shape_from_args(shape), SOD);
          },
          "shape"_a, "stream"_a.none() = nb::none(), "The same data with a new shape.");
  cls.def("transpose",
          [](const array& a, nb::args axes, StreamArg s) {
            if (axes.size() == 0) return transpose(a, SOD);
            return transpose(a, shape_from_args(axes), SOD);
          },
          "axes"_a, "stream"_a.none() = nb::none(), "Permute the axes.");
  cls.def("flatten",
          [](const array& a, int64_t b, int64_t e, StreamArg s) {
            return flatten(a, b, e, SOD);
          },
          "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
          "stream"_a.none() = nb::none());
  cls.def("squeeze",
          [](const array& a, IntsArg axis, StreamArg s) {
            return axis.is_none() ? squeeze(a, SOD) : squeeze(a, to_shape(axis), SOD);
          },
          "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none());
  cls.def("swapaxes",
          [](const array& a, int64_t x, int64_t y, StreamArg s) {
            return swapaxes(a, x, y, SOD);
          },
          "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a.none() = nb::none());
  cls.def("moveaxis",
          [](const array& a, int64_t x, int64_t y, StreamArg s) {
            return moveaxis(a, x, y, SOD);
          },
          "source"_a, "destination"_a, nb::kw_only(), "stream"_a.none() = nb::none());
  cls.def("split",
          [](const array& a, nb::handle ind, int64_t axis, StreamArg s) {
            return PyLong_Check(ind.ptr())
                       ? split(a, nb::cast<int64_t>(ind), axis, SOD)
                       : split(a, nb::cast<Shape>(ind), axis, SOD);
          },
          "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(),
          "stream"_a.none() = nb::none());
#define EMBER_REDUCE_METHOD(name)                                               \
  cls.def(#name,                                                                \
          [](const array& a, IntsArg axis, bool keepdims, StreamArg s) {    \
            return name(a, to_axes(axis, a), keepdims, SOD);                    \
          },                                                                    \
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),           \
          "stream"_a.none() = nb::none());
  EMBER_REDUCE_METHOD(sum)
  EMBER_REDUCE_METHOD(prod)
  EMBER_REDUCE_METHOD(max)
  EMBER_REDUCE_METHOD(min)
  EMBER_REDUCE_METHOD(mean)
  EMBER_REDUCE_METHOD(all)
  EMBER_REDUCE_METHOD(any)
  EMBER_REDUCE_METHOD(logsumexp)
#undef EMBER_REDUCE_METHOD
  for (const char* name : {"var", "std"}) {
    bool is_var = std::string(name) == "var";
    cls.def(name,
            [is_var](const array& a, IntsArg axis, bool keepdims, int ddof,
                     std::optional<int> correction, StreamArg s) {
              Axes ax = to_axes(axis, a);
              // `correction` (the array API's name) overrides ddof.
              int dof = correction.value_or(ddof);
              return is_var ? var(a, ax, keepdims, dof, SOD)
                            : std(a, ax, keepdims, dof, SOD);
            },
            "axis"_a.none() = nb::none(), "keepdims"_a = false, "ddof"_a = 0,
            nb::kw_only(), "correction"_a.none() = nb::none(),
            "stream"_a.none() = nb::none());
  }
  cls.def("argmax",
          [](const array& a, std::optional<int64_t> axis, bool kd, StreamArg s) {
            return argmax(a, axis, kd, SOD);
          },
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
          "stream"_a.none() = nb::none());
  cls.def("argmin",
          [](const array& a, std::optional<int64_t> axis, bool kd, StreamArg s) {
            return argmin(a, axis, kd, SOD);
          },
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
          "stream"_a.none() = nb::none());
  cls.def("diagonal",
          [](const array& a, int64_t offset, int64_t axis1, int64_t axis2, StreamArg s) {
            return diagonal(a, offset, axis1, axis2, SOD);
          },
          "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a.none() = nb::none());
  cls.def("diag",
          [](const array& a, int64_t k, StreamArg s) { return diag(a, k, SOD); },
          "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none());
  cls.def("round",
          [](const array& a, int decimals, StreamArg s) {
            return round(a, decimals, SOD);
          },
          "decimals"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none());
#define EMBER_UNARY_METHOD(name)                                          \
  cls.def(#name, [](const array& a, StreamArg s) { return name(a, SOD); }, \
          nb::kw_only(), "stream"_a.none() = nb::none());
  EMBER_UNARY_METHOD(abs)
  EMBER_UNARY_METHOD(square)
  EMBER_UNARY_METHOD(sqrt)
  EMBER_UNARY_METHOD(rsqrt)
  EMBER_UNARY_METHOD(reciprocal)
  EMBER_UNARY_METHOD(exp)
  EMBER_UNARY_METHOD(log)
  EMBER_UNARY_METHOD(log1p)
  EMBER_UNARY_METHOD(log2)
  EMBER_UNARY_METHOD(log10)
  EMBER_UNARY_METHOD(sin)
  EMBER_UNARY_METHOD(cos)
  EMBER_UNARY_METHOD(conjugate)
#undef EMBER_UNARY_METHOD
  cls.attr("conj") = cls.attr("conjugate");
  for (const char* name : {"cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"}) {
    std::string n = name;
    cls.def(name,
            [n](const array& a, IntsArg axis, bool reverse, bool inclusive,
                StreamArg s) {
              nb::object f = nb::module_::import_("mlx.core").attr(n.c_str());
              return nb::cast<array>(f(a, axis, "reverse"_a = reverse,
                                       "inclusive"_a = inclusive, "stream"_a = s));
            },
            "axis"_a.none() = nb::none(), nb::kw_only(), "reverse"_a = false,
            "inclusive"_a = true, "stream"_a.none() = nb::none());
  }
  cls.def_prop_ro("real", [](const array& a) { return real(a); },
                  "The real part.");
  cls.def_prop_ro("imag", [](const array& a) { return imag(a); },
                  "The imaginary part.");
  cls.def_prop_ro("mT", [](const array& a) {
    if (a.ndim() < 2) throw ValueError("[mT] The array must have at least 2 dimensions.");
    return swapaxes(a, -1, -2);
  }, "The array with its last two axes swapped.");
}

}  // namespace ember::py
