// Bindings of reductions, scans, sorting and evaluation.
#include <algorithm>
#include <exception>
#include <cmath>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/scan.h"

namespace ember::py {

namespace {

using ReduceFn = array (*)(const array&, const Axes&, bool, StreamOrDevice);

template <ReduceFn F>
array reduce_call(ArrayArg a, IntsArg axis, bool keepdims, StreamArg s) {
  array x = ARR(a);
  return F(x, to_axes(axis, x), keepdims, SOD);
}

}  // namespace

void bind_reduce(nb::module_& m) {
#define EMBER_REDUCE(name, doc)                                               \
  def_op(m, #name, &reduce_call<name>, "a"_a, "axis"_a.none() = nb::none(),              \
        "keepdims"_a = false, nb::kw_only(), "stream"_a.none() = nb::none(), doc);
// The arguments every reduction shares.
#define EMBER_REDUCE_ARGS                                                     \
  "Args:\n"                                                                   \
  "    a (array): Input array.\n"                                             \
  "    axis (int or list(int), optional): The axis or axes to reduce. By "    \
  "default every axis is reduced.\n"                                          \
  "    keepdims (bool, optional): Whether to keep the reduced axes as axes "  \
  "of size one. Default: ``False``.\n"                                        \
  "    stream (Stream, optional): Stream or device to run on.\n\n"
  EMBER_REDUCE(sum,
               "Sum of the elements over the given axes.\n\n"
               "Booleans and integers narrower than 32 bits are summed as "
               "int32 (uint32 if unsigned). An empty reduction gives 0.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The sums.")
  EMBER_REDUCE(prod,
               "Product of the elements over the given axes.\n\n"
               "Booleans and integers narrower than 32 bits are multiplied "
               "as int32 (uint32 if unsigned). An empty reduction gives 1."
               "\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The products.")
  EMBER_REDUCE(max,
               "Maximum of the elements over the given axes.\n\n"
               "NaN propagates. Reducing an empty axis is an error.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The maxima, in the dtype of ``a``.")
  EMBER_REDUCE(min,
               "Minimum of the elements over the given axes.\n\n"
               "NaN propagates. Reducing an empty axis is an error.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The minima, in the dtype of ``a``.")
  EMBER_REDUCE(mean,
               "Arithmetic mean of the elements over the given axes.\n\n"
               "Integer and boolean inputs give float32. An empty reduction "
               "gives NaN.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The means.")
  EMBER_REDUCE(all,
               "Whether all elements are true over the given axes.\n\n"
               "Nonzero values count as true. An empty reduction gives "
               "``True``.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: A boolean array.")
  EMBER_REDUCE(any,
               "Whether any element is true over the given axes.\n\n"
               "Nonzero values count as true. An empty reduction gives "
               "``False``.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: A boolean array.")
  EMBER_REDUCE(logsumexp,
               "Log of the sum of exponentials over the given axes.\n\n"
               "Computes ``log(sum(exp(a)))`` without overflow by "
               "subtracting the maximum first. Integer inputs give "
               "float32.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The reduced values.")
  EMBER_REDUCE(median,
               "Median of the elements over the given axes.\n\n"
               "For an even count it is the mean of the two middle values. "
               "NaN anywhere in a reduction gives NaN. Integer inputs give "
               "float32.\n\n"
               EMBER_REDUCE_ARGS
               "Returns:\n"
               "    array: The medians.")
#undef EMBER_REDUCE_ARGS
#undef EMBER_REDUCE
  def_op(m, "minmax",
        [](ArrayArg a, IntsArg axis, bool keepdims, StreamArg s) {
          array x = ARR(a);
          Axes ax = to_axes(axis, x);
          return nb::make_tuple(min(x, ax, keepdims, SOD), max(x, ax, keepdims, SOD));
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Minimum and maximum of the elements over the given axes.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axis or axes to reduce. "
        "By default every axis is reduced.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axes as "
        "axes of size one. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The minima and the maxima.");
  def_op(m, "unique",
        [](ArrayArg a, int64_t size, bool ret_index, bool ret_inverse, bool ret_counts,
           nb::handle fill, StreamArg s) -> nb::object {
          std::optional<array> fv;
          if (!fill.is_none()) fv = ARR(fill);
          UniqueResult r = unique(ARR(a), size, fv, SOD);
          if (!ret_index && !ret_inverse && !ret_counts) return nb::cast(r.values);
          nb::list out;
          out.append(r.values);
          if (ret_index) out.append(r.index);
          if (ret_inverse) out.append(r.inverse);
          if (ret_counts) out.append(r.counts);
          return nb::tuple(out);
        },
        "a"_a, "size"_a, "return_index"_a = false, "return_inverse"_a = false,
        "return_counts"_a = false, "fill_value"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "The sorted distinct values of the flattened array.\n\n"
        "The output length is fixed by ``size`` rather than by the data, so "
        "the values need not be evaluated to know the shape. With more "
        "distinct values than ``size``, the smallest ``size`` of them are "
        "kept (and the other outputs then no longer describe all of "
        "``a``). With fewer, the tail is padded with ``fill_value`` and has "
        "a count of 0.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    size (int): The length of the output.\n"
        "    return_index (bool, optional): Also return, for each value, "
        "the flat index of its first occurrence. Default: ``False``.\n"
        "    return_inverse (bool, optional): Also return, for each "
        "element of ``a``, the position of its value in the output (same "
        "shape as ``a``). Default: ``False``.\n"
        "    return_counts (bool, optional): Also return how often each "
        "value occurs. Default: ``False``.\n"
        "    fill_value (scalar or array, optional): The padding value. By "
        "default the smallest distinct value.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array or tuple(array, ...): The values alone, or a tuple of the "
        "values followed by whichever of index, inverse and counts were "
        "requested, in that order.");
  def_op(m, "var",
        [](ArrayArg a, IntsArg axis, bool keepdims, int ddof,
           std::optional<int> correction, StreamArg s) {
          array x = ARR(a);
          return var(x, to_axes(axis, x), keepdims, correction.value_or(ddof),
                     SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, "ddof"_a = 0,
        nb::kw_only(), "correction"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Variance of the elements over the given axes.\n\n"
        "The squared deviations from the mean are summed and divided by "
        "``N - ddof``, where ``N`` is the number of elements reduced. "
        "Integer inputs give float32; complex inputs give a real "
        "(float32) variance.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axis or axes to reduce. "
        "By default every axis is reduced.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axes as "
        "axes of size one. Default: ``False``.\n"
        "    ddof (int, optional): Delta degrees of freedom. Default: "
        "``0``.\n"
        "    correction (int, optional): The array API's name for "
        "``ddof``; when given it takes precedence.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The variances.");
  def_op(m, "std",
        [](ArrayArg a, IntsArg axis, bool keepdims, int ddof,
           std::optional<int> correction, StreamArg s) {
          array x = ARR(a);
          return std(x, to_axes(axis, x), keepdims, correction.value_or(ddof),
                     SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, "ddof"_a = 0,
        nb::kw_only(), "correction"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Standard deviation of the elements over the given axes.\n\n"
        "The square root of :func:`var` with the same arguments.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axis or axes to reduce. "
        "By default every axis is reduced.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axes as "
        "axes of size one. Default: ``False``.\n"
        "    ddof (int, optional): Delta degrees of freedom: the divisor is "
        "``N - ddof``. Default: ``0``.\n"
        "    correction (int, optional): The array API's name for "
        "``ddof``; when given it takes precedence.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The standard deviations.");
  def_op(m, "argmax",
        [](ArrayArg a, std::optional<int64_t> axis, bool keepdims, StreamArg s) {
          return argmax(ARR(a), axis, keepdims, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Indices of the maximum values along an axis.\n\n"
        "Ties give the first index. A NaN counts as the maximum.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int, optional): The axis to search. By default the "
        "array is flattened.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axis as "
        "an axis of size one. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The indices, as uint32.");
  def_op(m, "argmin",
        [](ArrayArg a, std::optional<int64_t> axis, bool keepdims, StreamArg s) {
          return argmin(ARR(a), axis, keepdims, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Indices of the minimum values along an axis.\n\n"
        "Ties give the first index. A NaN counts as the minimum.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int, optional): The axis to search. By default the "
        "array is flattened.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axis as "
        "an axis of size one. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The indices, as uint32.");
  def_op(m, "softmax",
        [](ArrayArg a, IntsArg axis, bool precise, StreamArg s) {
          array x = ARR(a);
          return softmax(x, to_axes(axis, x), precise, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "precise"_a = false,
        "stream"_a.none() = nb::none(),
        "Softmax over the given axes.\n\n"
        "Computes ``exp(a - max(a)) / sum(exp(a - max(a)))``, so the "
        "result along the axes is positive and sums to one. Integer inputs "
        "give float32.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axis or axes to "
        "normalize over. By default all axes.\n"
        "    precise (bool, optional): Accumulate half precision inputs in "
        "float32. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The softmax, with the shape of ``a``.");
}

void bind_scan_sort(nb::module_& m) {
  using ScanFn = array (*)(const array&, int64_t, bool, bool, StreamOrDevice);
  struct Row {
    const char* name;
    ScanFn fn;
    bool has_dtype;
    const char* doc;
  };
// The arguments every scan shares, before and after cumsum's dtype.
#define EMBER_SCAN_ARGS                                                       \
  "Args:\n"                                                                   \
  "    a (array): Input array.\n"                                             \
  "    axis (int, optional): The axis to scan along. By default the array "   \
  "is flattened first.\n"                                                     \
  "    reverse (bool, optional): Scan from the end of the axis towards the "  \
  "start. Default: ``False``.\n"                                              \
  "    inclusive (bool, optional): Whether each output includes its own "     \
  "element; if not, the first output is the operation's identity. "          \
  "Default: ``True``.\n"
#define EMBER_SCAN_END                                                        \
  "    stream (Stream, optional): Stream or device to run on.\n\n"            \
  "Returns:\n"
  const Row rows[] = {
      {"cumsum", cumsum, true,
       "Cumulative sum along an axis.\n\n"
       "Booleans and integers narrower than 32 bits accumulate as int32 "
       "(uint32 if unsigned). :func:`cumsum` and :func:`cumulative_sum` "
       "are the same function.\n\n"
       EMBER_SCAN_ARGS
       "    dtype (Dtype, optional): Convert the input to this dtype before "
       "summing.\n"
       EMBER_SCAN_END
       "    array: The running sums, with the shape of ``a`` (1-D without "
       "an axis)."},
      {"cumprod", cumprod, true,
       "Cumulative product along an axis.\n\n"
       "Booleans and integers narrower than 32 bits accumulate as int32 "
       "(uint32 if unsigned). :func:`cumprod` and :func:`cumulative_prod` "
       "are the same function.\n\n"
       EMBER_SCAN_ARGS
       "    dtype (Dtype, optional): Convert the input to this dtype before "
       "multiplying.\n"
       EMBER_SCAN_END
       "    array: The running products, with the shape of ``a`` (1-D "
       "without an axis)."},
      {"cummax", cummax, false,
       "Cumulative maximum along an axis.\n\n"
       EMBER_SCAN_ARGS
       EMBER_SCAN_END
       "    array: The running maxima, with the shape and dtype of ``a`` "
       "(1-D without an axis)."},
      {"cummin", cummin, false,
       "Cumulative minimum along an axis.\n\n"
       EMBER_SCAN_ARGS
       EMBER_SCAN_END
       "    array: The running minima, with the shape and dtype of ``a`` "
       "(1-D without an axis)."},
      {"logcumsumexp", logcumsumexp, false,
       "Cumulative log-sum-exp along an axis.\n\n"
       "Each output is ``log(sum(exp(...)))`` of the elements so far, "
       "computed without overflow. Integer inputs give float32.\n\n"
       EMBER_SCAN_ARGS
       EMBER_SCAN_END
       "    array: The running values, with the shape of ``a`` (1-D "
       "without an axis)."},
  };
#undef EMBER_SCAN_ARGS
#undef EMBER_SCAN_END
  for (const Row& r : rows) {
    ScanFn fn = r.fn;
    auto call = [fn](ArrayArg a, IntsArg axis, bool reverse, bool inclusive,
                     DtypeArg dtype, StreamArg s) {
      array x = ARR(a);
      if (!dtype.is_none()) x = astype(x, nb::cast<Dtype>(dtype));
      if (axis.is_none()) return fn(reshape(x, {-1}), 0, reverse, inclusive, SOD);
      return fn(x, nb::cast<int64_t>(axis), reverse, inclusive, SOD);
    };
    if (r.has_dtype) {
      def_op(m, r.name, call, "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
            "reverse"_a = false, "inclusive"_a = true, "dtype"_a.none() = nb::none(),
            "stream"_a.none() = nb::none(), r.doc);
    } else {
      def_op(m, r.name,
            [call](ArrayArg a, IntsArg axis, bool reverse, bool inclusive,
                   StreamArg s) {
              return call(a, axis, reverse, inclusive, nb::borrow<DtypeArg>(nb::none()), s);
            },
            "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "reverse"_a = false,
            "inclusive"_a = true, "stream"_a.none() = nb::none(), r.doc);
    }
  }
  m.attr("cumulative_sum") = m.attr("cumsum");
  m.attr("cumulative_prod") = m.attr("cumprod");
  // axis=None sorts the flattened array.
  auto with_axis = [](ArrayArg a, IntsArg axis, auto&& f) {
    array x = ARR(a);
    if (axis.is_none()) return f(reshape(x, {-1}), int64_t(0));
    return f(x, nb::cast<int64_t>(axis));
  };
  def_op(m, "sort",
        [with_axis](ArrayArg a, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return sort(x, ax, SOD); });
        },
        "a"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Sort an array along an axis, in ascending order.\n\n"
        "NaNs sort to the end.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or None, optional): The axis to sort along; ``None`` "
        "sorts the flattened array. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The sorted array.");
  def_op(m, "searchsorted",
        [](ArrayArg a, nb::handle v, const std::string& side, StreamArg s) {
          if (side != "left" && side != "right") {
            throw ValueError("[searchsorted] side must be 'left' or 'right'.");
          }
          return searchsorted(ARR(a), ARR(v), side == "right", SOD);
        },
        "sorted_sequence"_a, "values"_a, "side"_a = "left", nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Find where values would be inserted to keep a sequence sorted.\n\n"
        "Args:\n"
        "    sorted_sequence (array): A 1-D array in ascending order.\n"
        "    values (array or scalar): The values to place.\n"
        "    side (str, optional): For values equal to elements of the "
        "sequence, ``\"left\"`` gives the first suitable position and "
        "``\"right\"`` the last. Default: ``\"left\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The insertion indices (uint32), with the shape of "
        "``values``.");
  def_op(m, "argsort",
        [with_axis](ArrayArg a, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return argsort(x, ax, SOD); });
        },
        "a"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Indices that sort an array along an axis.\n\n"
        "The sort is stable: equal elements keep their order.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or None, optional): The axis to sort along; ``None`` "
        "sorts the flattened array. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The indices (uint32); taking them along the axis gives "
        "the sorted array.");
  def_op(m, "partition",
        [with_axis](ArrayArg a, int64_t kth, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) {
            int64_t n = x.shape()[normalize_axis(ax, x.ndim(), "partition")];
            if (kth < -n || kth >= n) throw ValueError("[partition] kth out of range.");
            // A full sort is a valid partition around every kth.
            return sort(x, ax, SOD);
          });
        },
        "a"_a, "kth"_a, "axis"_a.none() = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Partially sort an array around its ``kth`` element.\n\n"
        "Along the axis, the element at position ``kth`` is the one a full "
        "sort would put there, no element before it is larger and no "
        "element after it is smaller. The order within each side is "
        "unspecified.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    kth (int): The position to place; negative values count from "
        "the end.\n"
        "    axis (int or None, optional): The axis to partition along; "
        "``None`` uses the flattened array. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The partitioned array.");
  def_op(m, "argpartition",
        [with_axis](ArrayArg a, int64_t kth, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) {
            int64_t n = x.shape()[normalize_axis(ax, x.ndim(), "argpartition")];
            if (kth < -n || kth >= n) throw ValueError("[argpartition] kth out of range.");
            return argsort(x, ax, SOD);
          });
        },
        "a"_a, "kth"_a, "axis"_a.none() = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Indices that partially sort an array around its ``kth`` element."
        "\n\n"
        "Taking these indices along the axis gives an array partitioned as "
        "by :func:`partition`.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    kth (int): The position to place; negative values count from "
        "the end.\n"
        "    axis (int or None, optional): The axis to partition along; "
        "``None`` uses the flattened array. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The indices (uint32).");
  def_op(m, "topk",
        [with_axis](ArrayArg a, int64_t k, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return topk(x, k, ax, SOD); });
        },
        "a"_a, "k"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The ``k`` largest elements along an axis.\n\n"
        "The elements are returned in no particular order.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    k (int): How many elements to keep; at most the size of the "
        "axis.\n"
        "    axis (int or None, optional): The axis to search; ``None`` "
        "uses the flattened array. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The selected elements; the axis has size ``k``.");
  def_op(m, "degrees",
        [](ArrayArg a, StreamArg s) {
          array x = ARR(a);
          Dtype t = is_inexact(x.dtype()) ? x.dtype() : float32;
          return multiply(astype(x, t), array::scalar(180.0 / M_PI, t), SOD);
        },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Convert angles from radians to degrees.\n\n"
        "Args:\n"
        "    a (array): Angles in radians.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The angles in degrees; integer inputs give float32.");
  def_op(m, "radians",
        [](ArrayArg a, StreamArg s) {
          array x = ARR(a);
          Dtype t = is_inexact(x.dtype()) ? x.dtype() : float32;
          return multiply(astype(x, t), array::scalar(M_PI / 180.0, t), SOD);
        },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Convert angles from degrees to radians.\n\n"
        "Args:\n"
        "    a (array): Angles in degrees.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The angles in radians; integer inputs give float32.");
}

std::exception_ptr& pending_async_error() {
  static std::exception_ptr error;
  return error;
}

void bind_eval(nb::module_& m) {
  def_op(m, "get_array_buffer_size",
        [](nb::args args) {
          std::vector<array> arrays;
          collect_arrays(args, arrays);
          std::vector<const Buffer*> seen;
          size_t total = 0;
          for (auto& a : arrays) {
            if (!a.is_evaluated()) {
              throw ValueError("[get_array_buffer_size] Arrays must be "
                               "evaluated first.");
            }
            const Buffer* b = a.buffer().get();
            if (std::find(seen.begin(), seen.end(), b) == seen.end()) {
              seen.push_back(b);
              total += b->size();
            }
          }
          return total;
        },
        "Total size of the memory buffers behind some arrays.\n\n"
        "A buffer shared by several arrays (views, reshapes) is counted "
        "once. The arrays must already be evaluated.\n\n"
        "Args:\n"
        "    *args (array or tree of arrays): The arrays to measure; lists, "
        "tuples and dicts of arrays are searched.\n\n"
        "Returns:\n"
        "    int: The number of bytes.");
  def_op(m, "from_dlpack",
        [](nb::handle obj, std::optional<bool> copy) {
          if (!nb::hasattr(obj, "__dlpack__")) {
            throw nb::type_error("[from_dlpack] Expected an object with a "
                                 "__dlpack__ method.");
          }
          // Arrays are immutable; sharing memory that its owner may still
          // write would break that, so host data is always copied.
          if (copy.has_value() && !*copy) {
            throw ValueError("[from_dlpack] Cannot import a CPU array without "
                             "a copy.");
          }
          nb::object np = nb::module_::import_("numpy");
          try {
            return to_array(np.attr("from_dlpack")(obj));
          } catch (nb::python_error& e) {
            // The producer cannot export this dtype (longdouble, structured).
            if (!e.matches(PyExc_BufferError)) throw;
            std::string why = nb::cast<std::string>(nb::str(e.value()));
            throw TypeError("[from_dlpack] The object cannot be exported through "
                            "DLPack: " + why);
          }
        },
        "x"_a, nb::kw_only(), "copy"_a.none() = nb::none(),
        "Create an array from an object that supports DLPack.\n\n"
        "The data is always copied, since arrays are immutable and the "
        "producer may still write to its memory.\n\n"
        "Args:\n"
        "    x (object): An object with a ``__dlpack__`` method (a numpy "
        "array, a torch tensor, ...).\n"
        "    copy (bool, optional): ``None`` or ``True`` copy; ``False`` "
        "(share the memory) is refused with ``ValueError``.\n\n"
        "Returns:\n"
        "    array: The new array.");
  def_op(m, "eval",
        [](nb::args args) {
          std::vector<array> arrays;
          collect_arrays(args, arrays);
          nb::gil_scoped_release release;
          eval(std::move(arrays));
        },
        "Evaluate arrays, computing their values now.\n\n"
        "Arrays are lazy: operations only record a graph until a value is "
        "needed. This runs the graphs of all the given arrays together and "
        "waits for them.\n\n"
        "Args:\n"
        "    *args (array or tree of arrays): The arrays to evaluate; "
        "lists, tuples and dicts are searched, and other objects are "
        "ignored.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "async_eval",
        [](nb::args args) {
          std::vector<array> arrays;
          collect_arrays(args, arrays);
          for (auto& a : arrays) {
            if (a.is_tracer()) {
              throw ValueError("[async_eval] Not allowed inside a function "
                               "transformation (grad, vmap, ...).");
            }
          }
          nb::gil_scoped_release release;
          // Work runs now, but like a queued computation its failure is
          // reported by synchronize (and again by any eval of the arrays).
          try {
            async_eval(std::move(arrays));
          } catch (...) {
            pending_async_error() = std::current_exception();
          }
        },
        "Start evaluating arrays without waiting for the result.\n\n"
        "On the CPU the work runs before this returns. An error is not "
        "raised here but by the next :func:`synchronize` (or by evaluating "
        "the arrays). Not allowed inside a function transformation.\n\n"
        "Args:\n"
        "    *args (array or tree of arrays): The arrays to evaluate; "
        "lists, tuples and dicts are searched.\n\n"
        "Returns:\n"
        "    None");
  m.attr("pi") = M_PI;
  m.attr("e") = M_E;
  m.attr("euler_gamma") = 0.57721566490153286060651209008240243104215933593992;
  m.attr("inf") = INFINITY;
  m.attr("nan") = NAN;
  m.attr("newaxis") = nb::none();
}

}  // namespace ember::py
