// Method forms of the ops on the Python `array` class.
#include "bindings/args.h"
#include "core/errors.h"
#include "ops/arrange.h"

namespace ember::py {

void init_array_methods(nb::class_<array>& cls) {
  def_method(cls, "reshape",
          [](const array& a, nb::args shape, StreamArg s) {
            return reshape(a, shape_from_args(shape), SOD);
          },
          "shape"_a, "stream"_a.none() = nb::none(),
          "Give the array a new shape without changing its data.\n\n"
          "See :func:`reshape`. The shape may be given as one sequence or "
          "as separate integers: ``a.reshape(2, 3)`` or "
          "``a.reshape((2, 3))``.\n\n"
          "Args:\n"
          "    *shape (int or list(int)): The new shape; one entry may be "
          "-1.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The reshaped array.");
  def_method(cls, "transpose",
          [](const array& a, nb::args axes, StreamArg s) {
            if (axes.size() == 0) return transpose(a, SOD);
            return transpose(a, shape_from_args(axes), SOD);
          },
          "axes"_a, "stream"_a.none() = nb::none(),
          "Permute the axes of the array.\n\n"
          "See :func:`transpose`. The axes may be given as one sequence or "
          "as separate integers; with none, the axes are reversed.\n\n"
          "Args:\n"
          "    *axes (int or list(int)): The new order of the axes.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The transposed array.");
  def_method(cls, "flatten",
          [](const array& a, int64_t b, int64_t e, StreamArg s) {
            return flatten(a, b, e, SOD);
          },
          "start_axis"_a = 0, "end_axis"_a = -1, nb::kw_only(),
          "stream"_a.none() = nb::none(),
          "Merge a run of consecutive axes into one. See :func:`flatten`."
          "\n\n"
          "Args:\n"
          "    start_axis (int, optional): The first axis to merge. "
          "Default: ``0``.\n"
          "    end_axis (int, optional): The last axis to merge (included). "
          "Default: ``-1``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The flattened array.");
  def_method(cls, "squeeze",
          [](const array& a, IntsArg axis, StreamArg s) {
            return axis.is_none() ? squeeze(a, SOD) : squeeze(a, to_shape(axis), SOD);
          },
          "axis"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
          "Remove axes of size one. See :func:`squeeze`.\n\n"
          "Args:\n"
          "    axis (int or list(int), optional): The axes to remove. By "
          "default every axis of size one.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The squeezed array.");
  def_method(cls, "swapaxes",
          [](const array& a, int64_t x, int64_t y, StreamArg s) {
            return swapaxes(a, x, y, SOD);
          },
          "axis1"_a, "axis2"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
          "Swap two axes. See :func:`swapaxes`.\n\n"
          "Args:\n"
          "    axis1 (int): The first axis.\n"
          "    axis2 (int): The second axis.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The array with the two axes exchanged.");
  def_method(cls, "moveaxis",
          [](const array& a, int64_t x, int64_t y, StreamArg s) {
            return moveaxis(a, x, y, SOD);
          },
          "source"_a, "destination"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
          "Move one axis to a new position. See :func:`moveaxis`.\n\n"
          "Args:\n"
          "    source (int): The axis to move.\n"
          "    destination (int): Where it ends up.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The array with the axis moved.");
  def_method(cls, "split",
          [](const array& a, nb::handle ind, int64_t axis, StreamArg s) {
            return PyLong_Check(ind.ptr())
                       ? split(a, nb::cast<int64_t>(ind), axis, SOD)
                       : split(a, nb::cast<Shape>(ind), axis, SOD);
          },
          "indices_or_sections"_a, "axis"_a = 0, nb::kw_only(),
          "stream"_a.none() = nb::none(),
          "Split the array into parts along an axis. See :func:`split`.\n\n"
          "Args:\n"
          "    indices_or_sections (int or list(int)): A number of equal "
          "parts, or the indices at which to cut.\n"
          "    axis (int, optional): The axis to split. Default: ``0``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    list(array): The parts, in order.");
#define EMBER_REDUCE_METHOD(name)                                               \
  def_method(cls, #name,                                                                \
          [](const array& a, IntsArg axis, bool keepdims, StreamArg s) {    \
            return name(a, to_axes(axis, a), keepdims, SOD);                    \
          },                                                                    \
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),           \
          "stream"_a.none() = nb::none(),                                       \
          "Reduce the array with :func:`" #name "` over the given axes.\n\n"    \
          "Args:\n"                                                             \
          "    axis (int or list(int), optional): The axis or axes to "         \
          "reduce. By default every axis is reduced.\n"                         \
          "    keepdims (bool, optional): Whether to keep the reduced axes "    \
          "as axes of size one. Default: ``False``.\n"                          \
          "    stream (Stream, optional): Stream or device to run on.\n\n"      \
          "Returns:\n"                                                          \
          "    array: The reduced array.");
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
    def_method(cls, name,
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
            "stream"_a.none() = nb::none(),
            "Variance (``var``) or standard deviation (``std``) over the "
            "given axes. See :func:`var` and :func:`std`.\n\n"
            "Args:\n"
            "    axis (int or list(int), optional): The axis or axes to "
            "reduce. By default every axis is reduced.\n"
            "    keepdims (bool, optional): Whether to keep the reduced axes "
            "as axes of size one. Default: ``False``.\n"
            "    ddof (int, optional): Delta degrees of freedom: the divisor "
            "is ``N - ddof``. Default: ``0``.\n"
            "    correction (int, optional): The array API's name for "
            "``ddof``; when given it takes precedence.\n"
            "    stream (Stream, optional): Stream or device to run on.\n\n"
            "Returns:\n"
            "    array: The reduced array.");
  }
  def_method(cls, "argmax",
          [](const array& a, std::optional<int64_t> axis, bool kd, StreamArg s) {
            return argmax(a, axis, kd, SOD);
          },
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
          "stream"_a.none() = nb::none(),
          "Indices of the maximum values along an axis. See "
          ":func:`argmax`.\n\n"
          "Args:\n"
          "    axis (int, optional): The axis to search. By default the "
          "array is flattened.\n"
          "    keepdims (bool, optional): Whether to keep the reduced axis "
          "as an axis of size one. Default: ``False``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The indices, as uint32.");
  def_method(cls, "argmin",
          [](const array& a, std::optional<int64_t> axis, bool kd, StreamArg s) {
            return argmin(a, axis, kd, SOD);
          },
          "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
          "stream"_a.none() = nb::none(),
          "Indices of the minimum values along an axis. See "
          ":func:`argmin`.\n\n"
          "Args:\n"
          "    axis (int, optional): The axis to search. By default the "
          "array is flattened.\n"
          "    keepdims (bool, optional): Whether to keep the reduced axis "
          "as an axis of size one. Default: ``False``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The indices, as uint32.");
  def_method(cls, "diagonal",
          [](const array& a, int64_t offset, int64_t axis1, int64_t axis2, StreamArg s) {
            return diagonal(a, offset, axis1, axis2, SOD);
          },
          "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1, "stream"_a.none() = nb::none(),
          "Extract a diagonal of the matrices formed by two axes. See "
          ":func:`diagonal`.\n\n"
          "Args:\n"
          "    offset (int, optional): Which diagonal: 0 is the main one, "
          "positive values are above it. Default: ``0``.\n"
          "    axis1 (int, optional): The row axis. Default: ``0``.\n"
          "    axis2 (int, optional): The column axis. Default: ``1``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The remaining axes followed by the diagonal.");
  def_method(cls, "diag",
          [](const array& a, int64_t k, StreamArg s) { return diag(a, k, SOD); },
          "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
          "Build a diagonal matrix from a vector, or extract a diagonal "
          "from a matrix. See :func:`diag`.\n\n"
          "Args:\n"
          "    k (int, optional): Which diagonal: 0 is the main one, "
          "positive values are above it. Default: ``0``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The 2-D matrix or the 1-D diagonal.");
  def_method(cls, "round",
          [](const array& a, int decimals, StreamArg s) {
            return round(a, decimals, SOD);
          },
          "decimals"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
          "Round to a number of decimals, ties to even. See :func:`round`."
          "\n\n"
          "Args:\n"
          "    decimals (int, optional): Number of decimal places to keep. "
          "Default: ``0``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The rounded array.");
#define EMBER_UNARY_METHOD(name)                                          \
  def_method(cls, #name, [](const array& a, StreamArg s) { return name(a, SOD); }, \
          nb::kw_only(), "stream"_a.none() = nb::none(),                  \
          "Element-wise " #name " of the array. See :func:`" #name "`.\n\n" \
          "Args:\n"                                                       \
          "    stream (Stream, optional): Stream or device to run on.\n\n" \
          "Returns:\n"                                                    \
          "    array: The result.");
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
    def_method(cls, name,
            [n](const array& a, IntsArg axis, bool reverse, bool inclusive,
                StreamArg s) {
              nb::object f = nb::module_::import_("mlx.core").attr(n.c_str());
              return nb::cast<array>(f(a, axis, "reverse"_a = reverse,
                                       "inclusive"_a = inclusive, "stream"_a = s));
            },
            "axis"_a.none() = nb::none(), nb::kw_only(), "reverse"_a = false,
            "inclusive"_a = true, "stream"_a.none() = nb::none(),
            "Cumulative operation along an axis, as the function of the "
            "same name (:func:`cumsum`, :func:`cumprod`, :func:`cummax`, "
            ":func:`cummin` or :func:`logcumsumexp`).\n\n"
            "Args:\n"
            "    axis (int, optional): The axis to scan along. By default "
            "the array is flattened first.\n"
            "    reverse (bool, optional): Scan from the end of the axis "
            "towards the start. Default: ``False``.\n"
            "    inclusive (bool, optional): Whether each output includes "
            "its own element. Default: ``True``.\n"
            "    stream (Stream, optional): Stream or device to run on.\n\n"
            "Returns:\n"
            "    array: The running values.");
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
