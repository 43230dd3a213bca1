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
  m.def(#name, &reduce_call<name>, "a"_a, "axis"_a.none() = nb::none(),              \
        "keepdims"_a = false, nb::kw_only(), "stream"_a.none() = nb::none(), doc);
  EMBER_REDUCE(sum, "Sum over the given axes.")
  EMBER_REDUCE(prod, "Product over the given axes.")
  EMBER_REDUCE(max, "Maximum over the given axes.")
  EMBER_REDUCE(min, "Minimum over the given axes.")
  EMBER_REDUCE(mean, "Mean over the given axes.")
  EMBER_REDUCE(all, "Whether all elements are true over the given axes.")
  EMBER_REDUCE(any, "Whether any element is true over the given axes.")
  EMBER_REDUCE(logsumexp, "log(sum(exp(a))) over the given axes, computed stably.")
  EMBER_REDUCE(median, "Median over the given axes (the mean of the two middle "
                       "values for an even count; NaN if any value is NaN).")
#undef EMBER_REDUCE
  m.def("minmax",
        [](ArrayArg a, IntsArg axis, bool keepdims, StreamArg s) {
          array x = ARR(a);
          Axes ax = to_axes(axis, x);
          return nb::make_tuple(min(x, ax, keepdims, SOD), max(x, ax, keepdims, SOD));
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(), "The minimum and the maximum over the given axes.");
  m.def("unique",
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
        "The sorted unique values of the flattened array in an output of the given "
        "size (truncated, or padded with fill_value), optionally with each one's "
        "first index, the inverse map and the counts.");
  m.def("var",
        [](ArrayArg a, IntsArg axis, bool keepdims, int ddof,
           std::optional<int> correction, StreamArg s) {
          array x = ARR(a);
          return var(x, to_axes(axis, x), keepdims, correction.value_or(ddof),
                     SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, "ddof"_a = 0,
        nb::kw_only(), "correction"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(), "Variance over the given axes.");
  m.def("std",
        [](ArrayArg a, IntsArg axis, bool keepdims, int ddof,
           std::optional<int> correction, StreamArg s) {
          array x = ARR(a);
          return std(x, to_axes(axis, x), keepdims, correction.value_or(ddof),
                     SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, "ddof"_a = 0,
        nb::kw_only(), "correction"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Standard deviation over the given axes.");
  m.def("argmax",
        [](ArrayArg a, std::optional<int64_t> axis, bool keepdims, StreamArg s) {
          return argmax(ARR(a), axis, keepdims, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Index of the maximum along an axis.");
  m.def("argmin",
        [](ArrayArg a, std::optional<int64_t> axis, bool keepdims, StreamArg s) {
          return argmin(ARR(a), axis, keepdims, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), "keepdims"_a = false, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Index of the minimum along an axis.");
  m.def("softmax",
        [](ArrayArg a, IntsArg axis, bool precise, StreamArg s) {
          array x = ARR(a);
          return softmax(x, to_axes(axis, x), precise, SOD);
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(), "precise"_a = false,
        "stream"_a.none() = nb::none(), "Softmax over the given axes.");
}

void bind_scan_sort(nb::module_& m) {
  using ScanFn = array (*)(const array&, int64_t, bool, bool, StreamOrDevice);
  struct Row {
    const char* name;
    ScanFn fn;
    bool has_dtype;
    const char* doc;
  };
  const Row rows[] = {
      {"cumsum", cumsum, true, "Cumulative sum along an axis."},
      {"cumprod", cumprod, true, "Cumulative product along an axis."},
      {"cummax", cummax, false, "Cumulative maximum along an axis."},
      {"cummin", cummin, false, "Cumulative minimum along an axis."},
      {"logcumsumexp", logcumsumexp, false,
       "Cumulative log(sum(exp(a))) along an axis."},
  };
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
      m.def(r.name, call, "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
            "reverse"_a = false, "inclusive"_a = true, "dtype"_a.none() = nb::none(),
            "stream"_a.none() = nb::none(), r.doc);
    } else {
      m.def(r.name,
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
  m.def("sort",
        [with_axis](ArrayArg a, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return sort(x, ax, SOD); });
        },
        "a"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Sorted copy along an axis (NaNs last).");
  m.def("searchsorted",
        [](ArrayArg a, nb::handle v, const std::string& side, StreamArg s) {
          if (side != "left" && side != "right") {
            throw ValueError("[searchsorted] side must be 'left' or 'right'.");
          }
          return searchsorted(ARR(a), ARR(v), side == "right", SOD);
        },
        "sorted_sequence"_a, "values"_a, "side"_a = "left", nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Indices where values would be inserted to keep the sequence sorted.");
  m.def("argsort",
        [with_axis](ArrayArg a, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return argsort(x, ax, SOD); });
        },
        "a"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Indices that sort the array along an axis (stable).");
  m.def("partition",
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
        "Rearranged so the kth element is in sorted position, smaller ones before it.");
  m.def("argpartition",
        [with_axis](ArrayArg a, int64_t kth, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) {
            int64_t n = x.shape()[normalize_axis(ax, x.ndim(), "argpartition")];
            if (kth < -n || kth >= n) throw ValueError("[argpartition] kth out of range.");
            return argsort(x, ax, SOD);
          });
        },
        "a"_a, "kth"_a, "axis"_a.none() = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(), "Indices that partition the array.");
  m.def("topk",
        [with_axis](ArrayArg a, int64_t k, IntsArg axis, StreamArg s) {
          return with_axis(a, axis, [&](const array& x, int64_t ax) { return topk(x, k, ax, SOD); });
        },
        "a"_a, "k"_a, "axis"_a.none() = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The k largest elements along an axis.");
  m.def("degrees",
        [](ArrayArg a, StreamArg s) {
          array x = ARR(a);
          Dtype t = is_inexact(x.dtype()) ? x.dtype() : float32;
          return multiply(astype(x, t), array::scalar(180.0 / M_PI, t), SOD);
        },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(), "Radians to degrees.");
  m.def("radians",
        [](ArrayArg a, StreamArg s) {
          array x = ARR(a);
          Dtype t = is_inexact(x.dtype()) ? x.dtype() : float32;
          return multiply(astype(x, t), array::scalar(M_PI / 180.0, t), SOD);
        },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(), "Degrees to radians.");
}

std::exception_ptr& pending_async_error() {
  static std::exception_ptr error;
  return error;
}

void bind_eval(nb::module_& m) {
  m.def("get_array_buffer_size",
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
        "Bytes of the distinct buffers behind the given arrays.");
  m.def("from_dlpack",
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
          return to_array(np.attr("from_dlpack")(obj));
        },
        "x"_a, nb::kw_only(), "copy"_a.none() = nb::none(),
        "An array from a DLPack-compatible object (copied).");
  m.def("eval",
        [](nb::args args) {
          std::vector<array> arrays;
          collect_arrays(args, arrays);
          nb::gil_scoped_release release;
          eval(std::move(arrays));
        },
        "Evaluate the arrays in the given (nested) arguments.");
  m.def("async_eval",
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
        "Start evaluating the arrays in the given (nested) arguments.");
  m.attr("pi") = M_PI;
  m.attr("e") = M_E;
  m.attr("euler_gamma") = 0.57721566490153286060651209008240243104215933593992;
  m.attr("inf") = INFINITY;
  m.attr("nan") = NAN;
  m.attr("newaxis") = nb::none();
}

}  // namespace ember::py
