// Bindings of the composed rearranging ops (ops/arrange.h).
#include <nanobind/stl/pair.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/arrange.h"

namespace ember::py {

namespace {

// numpy's pad_width forms: n, (n,), (before, after), or one pair per axis.
std::vector<std::pair<int64_t, int64_t>> pad_widths(nb::handle h, int ndim) {
  std::vector<std::pair<int64_t, int64_t>> w;
  if (PyLong_Check(h.ptr())) {
    int64_t n = nb::cast<int64_t>(h);
    return std::vector<std::pair<int64_t, int64_t>>(ndim, {n, n});
  }
  nb::sequence seq = nb::borrow<nb::sequence>(h);
  std::vector<nb::handle> items(seq.begin(), seq.end());
  bool nested = !items.empty() && !PyLong_Check(items[0].ptr());
  if (!nested) {
    if (items.size() == 1) {
      int64_t n = nb::cast<int64_t>(items[0]);
      return std::vector<std::pair<int64_t, int64_t>>(ndim, {n, n});
    }
    if (items.size() != 2) throw ValueError("[pad] Invalid pad_width.");
    return std::vector<std::pair<int64_t, int64_t>>(
        ndim, {nb::cast<int64_t>(items[0]), nb::cast<int64_t>(items[1])});
  }
  for (auto it : items) {
    Shape p = nb::cast<Shape>(it);
    if (p.size() == 1) p.push_back(p[0]);
    if (p.size() != 2) throw ValueError("[pad] Invalid pad_width.");
    w.push_back({p[0], p[1]});
  }
  if (w.size() == 1) w.assign(ndim, w[0]);
  return w;
}

nb::object one_or_list(nb::args arrays, int nd, StreamOrDevice s) {
  nb::list out;
  for (auto h : arrays) out.append(atleast(to_array(h), nd, s));
  if (out.size() == 1) return out[0];
  return out;
}

}  // namespace

void init_arrange(nb::module_& m) {
  m.def("as_strided",
        [](ArrayArg a, IntsArg shape, nb::handle strides, int64_t offset,
           StreamArg s) {
          array x = to_array(a);
          Shape sh = shape.is_none() ? x.shape() : nb::cast<Shape>(shape);
          Strides st = strides.is_none() ? row_strides(sh) : nb::cast<Strides>(strides);
          return as_strided(x, sh, st, offset, to_sod(s));
        },
        "a"_a, "shape"_a.none() = nb::none(), "strides"_a.none() = nb::none(),
        "offset"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "A view with the given shape, strides (in elements) and offset.");
  m.def("slice",
        [](ArrayArg a, nb::handle start, IntsArg axes, nb::handle sizes,
           StreamArg s) {
          return slice_dynamic(to_array(a), to_array(start), nb::cast<Axes>(axes),
                               nb::cast<Shape>(sizes), to_sod(s));
        },
        "a"_a, "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "A slice of the given sizes starting at indices held in an array.");
  m.def("slice_update",
        [](ArrayArg a, nb::handle update, nb::handle start, IntsArg axes,
           StreamArg s) {
          return slice_update_dynamic(to_array(a), to_array(update), to_array(start),
                                      nb::cast<Axes>(axes), to_sod(s));
        },
        "a"_a, "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "a with update written at start indices held in an array.");
  for (const char* kind : {"hanning", "hamming", "blackman", "bartlett"}) {
    std::string k = kind;
    m.def(kind, [k](int64_t n, StreamArg s) { return window(k, n, to_sod(s)); },
          "M"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
          "A window function of M points.");
  }
  m.def("meshgrid",
        [](nb::args arrays, bool sparse, const std::string& indexing, StreamArg s) {
          std::vector<array> in;
          for (auto h : arrays) in.push_back(to_array(h));
          nb::list l;
          for (auto& a : meshgrid(in, sparse, indexing, to_sod(s))) l.append(a);
          return nb::tuple(l);
        },
        "arrays"_a, "sparse"_a = false, "indexing"_a = "xy",
        "stream"_a.none() = nb::none(), "Coordinate grids from 1-D arrays.");
  m.def("repeat",
        [](ArrayArg a, int64_t repeats, std::optional<int64_t> axis, StreamArg s) {
          return repeat(to_array(a), repeats, axis, to_sod(s));
        },
        "array"_a, "repeats"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "Repeat each element along an axis.");
  m.def("tile",
        [](ArrayArg a, nb::handle reps, StreamArg s) {
          return tile(to_array(a), to_shape(reps), to_sod(s));
        },
        "a"_a, "reps"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Repeat the whole array reps times along each axis.");
  m.def("flip",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          return flip(to_array(a), opt_axes(axis), to_sod(s));
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "Reverse the order along the given axes.");
  m.def("roll",
        [](ArrayArg a, nb::handle shift, IntsArg axis, StreamArg s) {
          return roll(to_array(a), to_shape(shift), opt_axes(axis), to_sod(s));
        },
        "a"_a, "shift"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(), "Shift elements cyclically along axes.");
  m.def("tril", [](ArrayArg x, int64_t k, StreamArg s) { return tril(to_array(x), k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Zero the elements above the k-th diagonal.");
  m.def("triu", [](ArrayArg x, int64_t k, StreamArg s) { return triu(to_array(x), k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Zero the elements below the k-th diagonal.");
  m.def("diagonal",
        [](ArrayArg a, int64_t offset, int64_t a1, int64_t a2, StreamArg s) {
          return diagonal(to_array(a), offset, a1, a2, to_sod(s));
        },
        "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
        "stream"_a.none() = nb::none(), "The diagonal of two axes, as the last axis.");
  m.def("diag", [](ArrayArg a, int64_t k, StreamArg s) { return diag(to_array(a), k, to_sod(s)); },
        "a"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "A diagonal matrix from a vector, or the diagonal of a matrix.");
  m.def("trace",
        [](ArrayArg a, int64_t offset, int64_t a1, int64_t a2, DtypeArg dtype,
           StreamArg s) {
          return trace(to_array(a), offset, a1, a2, to_dtype(dtype), to_sod(s));
        },
        "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Sum along a diagonal.");
  for (int nd = 1; nd <= 3; ++nd) {
    std::string name = "atleast_" + std::to_string(nd) + "d";
    m.def(name.c_str(),
          [nd](nb::args arrays, StreamArg s) { return one_or_list(arrays, nd, to_sod(s)); },
          "arys"_a, "stream"_a.none() = nb::none(),
          "The inputs with at least this many dimensions.");
  }
  m.def("unstack",
        [](ArrayArg x, int64_t axis, StreamArg s) {
          nb::list l;
          for (auto& a : unstack(to_array(x), axis, to_sod(s))) l.append(a);
          return nb::tuple(l);
        },
        "x"_a, nb::kw_only(), "axis"_a = 0, "stream"_a.none() = nb::none(),
        "Split along an axis into arrays without that axis.");
  m.def("nan_to_num",
        [](ArrayArg a, double nan, std::optional<double> posinf,
           std::optional<double> neginf, StreamArg s) {
          return nan_to_num(to_array(a), nan, posinf, neginf, to_sod(s));
        },
        "a"_a, "nan"_a = 0.0, "posinf"_a.none() = nb::none(),
        "neginf"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Replace NaN and infinities with finite numbers.");
  m.def("count_nonzero",
        [](ArrayArg a, IntsArg axis, bool keepdims, StreamArg s) {
          array x = to_array(a);
          return count_nonzero(x, to_axes(axis, x), keepdims, to_sod(s));
        },
        "a"_a, nb::kw_only(), "axis"_a.none() = nb::none(), "keepdims"_a = false,
        "stream"_a.none() = nb::none(), "Number of nonzero elements.");
  m.def("diff",
        [](ArrayArg a, int64_t n, int64_t axis, StreamArg s) {
          return diff(to_array(a), n, axis, to_sod(s));
        },
        "a"_a, "n"_a = 1, "axis"_a = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "n-th discrete difference along an axis.");
  m.def("pad",
        [](ArrayArg a, nb::handle widths, const std::string& mode, nb::handle value,
           StreamArg s) {
          array x = to_array(a);
          return pad(x, pad_widths(widths, x.ndim()), mode,
                     scalar_to_array(value, x.dtype()), to_sod(s));
        },
        "a"_a, "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0,
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Pad with a constant or the edge values.");
  m.def("matrix_transpose",
        [](ArrayArg a, StreamArg s) { return swapaxes(to_array(a), -1, -2, to_sod(s)); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Swap the last two axes.");
  m.def("addmm",
        [](nb::handle c, ArrayArg a, ArrayArg b, double alpha, double beta,
           StreamArg s) {
          return addmm(to_array(c), to_array(a), to_array(b), alpha, beta, to_sod(s));
        },
        "c"_a, "a"_a, "b"_a, "alpha"_a = 1.0, "beta"_a = 1.0, nb::kw_only(),
        "stream"_a.none() = nb::none(), "alpha * (a @ b) + beta * c.");
  m.def("outer", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return outer(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Outer product of the flattened inputs.");
  m.def("inner", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return inner(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Inner product over the last axes.");
  m.def("tensordot",
        [](ArrayArg a, ArrayArg b, IntsArg axes, StreamArg s) {
          if (PyLong_Check(axes.ptr())) {
            return tensordot(to_array(a), to_array(b), nb::cast<int64_t>(axes), to_sod(s));
          }
          nb::sequence pair = nb::borrow<nb::sequence>(axes);
          return tensordot(to_array(a), to_array(b), to_shape(pair[0]),
                           to_shape(pair[1]), to_sod(s));
        },
        "a"_a, "b"_a, "axes"_a = 2, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Sum of products over the given axes.");
  m.def("vecdot",
        [](ArrayArg a, ArrayArg b, int64_t axis, StreamArg s) {
          return vecdot(to_array(a), to_array(b), axis, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "axis"_a = -1, "stream"_a.none() = nb::none(),
        "Dot product of vectors along an axis (conjugating a).");
  m.def("gather_mm",
        [](ArrayArg a, ArrayArg b, ArrayArg lhs, ArrayArg rhs, bool,
           StreamArg s) {
          std::optional<array> li, ri;
          if (!lhs.is_none()) li = to_array(lhs);
          if (!rhs.is_none()) ri = to_array(rhs);
          return gather_mm(to_array(a), to_array(b), li, ri, to_sod(s));
        },
        "a"_a, "b"_a, "lhs_indices"_a.none() = nb::none(),
        "rhs_indices"_a.none() = nb::none(), nb::kw_only(), "sorted_indices"_a = false,
        "stream"_a.none() = nb::none(),
        "Matrix products of matrices gathered from the batch dimensions.");
  m.def("segmented_mm",
        [](ArrayArg a, ArrayArg b, nb::handle segments, StreamArg s) {
          return segmented_mm(to_array(a), to_array(b), to_array(segments), to_sod(s));
        },
        "a"_a, "b"_a, "segments"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "One product per segment of the inner dimension.");
  m.def("block_masked_mm",
        [](ArrayArg a, ArrayArg b, int block_size, nb::handle mo, nb::handle ml,
           nb::handle mr, StreamArg s) {
          auto opt = [](nb::handle h) {
            return h.is_none() ? std::optional<array>() : std::optional<array>(to_array(h));
          };
          return block_masked_mm(to_array(a), to_array(b), block_size, opt(mo), opt(ml),
                                 opt(mr), to_sod(s));
        },
        "a"_a, "b"_a, "block_size"_a = 64, "mask_out"_a.none() = nb::none(),
        "mask_lhs"_a.none() = nb::none(), "mask_rhs"_a.none() = nb::none(),
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix product with blocks of the inputs and output masked.");
  m.def("hadamard_transform",
        [](ArrayArg a, std::optional<double> scale, StreamArg s) {
          return hadamard_transform(to_array(a), scale, to_sod(s));
        },
        "a"_a, "scale"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Walsh-Hadamard transform along the last axis (power-of-two sizes).");
  m.def("kron", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return kron(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Kronecker product.");
}

}  // namespace ember::py
