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
  // Read by index, len() items: iterating a sequence whose __getitem__
  // never raises IndexError would never end.
  auto items = nb::cast<std::vector<nb::object>>(h);
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
  def_op(m, "as_strided",
        [](ArrayArg a, IntsArg shape, nb::handle strides, int64_t offset,
           StreamArg s) {
          array x = to_array(a);
          Shape sh = shape.is_none() ? x.shape() : nb::cast<Shape>(shape);
          Strides st = strides.is_none() ? row_strides(sh) : nb::cast<Strides>(strides);
          return as_strided(x, sh, st, offset, to_sod(s));
        },
        "a"_a, "shape"_a.none() = nb::none(), "strides"_a.none() = nb::none(),
        "offset"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "View an array's elements through a given shape and strides.\n\n"
        "The strides and offset index the elements of ``a`` in row-major "
        "order, whatever its actual layout. Nothing checks that the view "
        "stays inside the array: use with care.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    shape (list(int), optional): The shape of the view. Default: "
        "the shape of ``a``.\n"
        "    strides (list(int), optional): The step, in elements, of each "
        "axis. Default: row-major strides of ``shape``.\n"
        "    offset (int, optional): The element at which the view starts. "
        "Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The strided view.");
  def_op(m, "slice",
        [](ArrayArg a, nb::handle start, IntsArg axes, nb::handle sizes,
           StreamArg s) {
          return slice_dynamic(to_array(a), to_array(start), nb::cast<Axes>(axes),
                               nb::cast<Shape>(sizes), to_sod(s));
        },
        "a"_a, "start_indices"_a, "axes"_a, "slice_size"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Extract a block of fixed size that starts at indices held in an "
        "array.\n\n"
        "Unlike indexing with Python slices, the start may be a computed "
        "array, so the same graph works for any start (useful with "
        ":func:`compile`). The output size is fixed by ``slice_size``.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    start_indices (array): The start position along each of "
        "``axes``.\n"
        "    axes (list(int)): The axes that ``start_indices`` refer to; "
        "other axes start at 0.\n"
        "    slice_size (list(int)): The size of the block along every axis "
        "of ``a``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The block, of shape ``slice_size``.");
  def_op(m, "slice_update",
        [](ArrayArg a, nb::handle update, nb::handle start, IntsArg axes,
           StreamArg s) {
          return slice_update_dynamic(to_array(a), to_array(update), to_array(start),
                                      nb::cast<Axes>(axes), to_sod(s));
        },
        "a"_a, "update"_a, "start_indices"_a, "axes"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Write a block into a copy of an array at indices held in an "
        "array.\n\n"
        "The counterpart of :func:`slice`: the block's size is the shape of "
        "``update``, and its start may be a computed array.\n\n"
        "Args:\n"
        "    a (array): The array to update.\n"
        "    update (array): The values to write.\n"
        "    start_indices (array): The start position along each of "
        "``axes``.\n"
        "    axes (list(int)): The axes that ``start_indices`` refer to; "
        "other axes start at 0.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A new array with the shape and dtype of ``a``.");
  for (const char* kind : {"hanning", "hamming", "blackman", "bartlett"}) {
    std::string k = kind;
    def_op(m, kind, [k](int64_t n, StreamArg s) { return window(k, n, to_sod(s)); },
          "M"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
          "A symmetric window function of ``M`` points.\n\n"
          "The window is the one the function is named after (Hann, "
          "Hamming, Blackman or Bartlett), as numpy defines it: it starts "
          "and ends at its smallest value and peaks in the middle. ``M`` "
          "of 0 gives an empty array and ``M`` of 1 gives ``[1]``.\n\n"
          "Args:\n"
          "    M (int): Number of points.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: A 1-D float32 array of ``M`` values.");
  }
  def_op(m, "meshgrid",
        [](nb::args arrays, bool sparse, const std::string& indexing, StreamArg s) {
          std::vector<array> in;
          for (auto h : arrays) in.push_back(to_array(h));
          nb::list l;
          for (auto& a : meshgrid(in, sparse, indexing, to_sod(s))) l.append(a);
          return nb::tuple(l);
        },
        "arrays"_a, "sparse"_a = false, "indexing"_a = "xy",
        "stream"_a.none() = nb::none(),
        "Coordinate grids from 1-D coordinate arrays.\n\n"
        "Args:\n"
        "    *arrays (array): The coordinates along each dimension.\n"
        "    sparse (bool, optional): Return arrays of size one along all "
        "but their own axis, which broadcast to the full grid, instead of "
        "full grids. Default: ``False``.\n"
        "    indexing (str, optional): ``\"xy\"`` (Cartesian: the first two "
        "output axes are swapped) or ``\"ij\"`` (matrix). Default: "
        "``\"xy\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array): One grid per input.");
  def_op(m, "repeat",
        [](ArrayArg a, int64_t repeats, std::optional<int64_t> axis, StreamArg s) {
          return repeat(to_array(a), repeats, axis, to_sod(s));
        },
        "array"_a, "repeats"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Repeat each element of an array.\n\n"
        "Args:\n"
        "    array (array): Input array.\n"
        "    repeats (int): How many times each element appears.\n"
        "    axis (int, optional): The axis along which to repeat. By "
        "default the array is flattened first.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with ``axis`` (or the flattened array) "
        "``repeats`` times longer.");
  def_op(m, "tile",
        [](ArrayArg a, nb::handle reps, StreamArg s) {
          return tile(to_array(a), to_shape(reps), to_sod(s));
        },
        "a"_a, "reps"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Build an array by repeating a whole array along each axis.\n\n"
        "If ``reps`` has more entries than ``a`` has axes, leading axes of "
        "size one are added to ``a``; if fewer, ``reps`` is padded with "
        "leading ones.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    reps (int or list(int)): The number of copies along each "
        "axis.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The tiled array.");
  def_op(m, "flip",
        [](ArrayArg a, IntsArg axis, StreamArg s) {
          return flip(to_array(a), opt_axes(axis), to_sod(s));
        },
        "a"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Reverse the order of elements along some axes.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axes to reverse. By "
        "default all of them.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The flipped array.");
  def_op(m, "roll",
        [](ArrayArg a, nb::handle shift, IntsArg axis, StreamArg s) {
          return roll(to_array(a), to_shape(shift), opt_axes(axis), to_sod(s));
        },
        "a"_a, "shift"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Shift elements cyclically along axes.\n\n"
        "Elements pushed past the end come back at the start.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    shift (int or list(int)): How far to shift; negative values "
        "shift towards the start. With several axes, one shift per axis "
        "(or one for all).\n"
        "    axis (int or list(int), optional): The axes to roll. By "
        "default the array is rolled as if flattened, keeping its shape.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The rolled array.");
  def_op(m, "tril", [](ArrayArg x, int64_t k, StreamArg s) { return tril(to_array(x), k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The lower triangle of a matrix: elements above a diagonal set to "
        "zero.\n\n"
        "Args:\n"
        "    x (array): Input array, at least 2-D; the last two axes are "
        "the matrix.\n"
        "    k (int, optional): The diagonal to keep below: 0 is the main "
        "diagonal, positive values are above it. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The masked array, with the shape of ``x``.");
  def_op(m, "triu", [](ArrayArg x, int64_t k, StreamArg s) { return triu(to_array(x), k, to_sod(s)); },
        "x"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "The upper triangle of a matrix: elements below a diagonal set to "
        "zero.\n\n"
        "Args:\n"
        "    x (array): Input array, at least 2-D; the last two axes are "
        "the matrix.\n"
        "    k (int, optional): The diagonal to keep above: 0 is the main "
        "diagonal, negative values are below it. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The masked array, with the shape of ``x``.");
  def_op(m, "diagonal",
        [](ArrayArg a, int64_t offset, int64_t a1, int64_t a2, StreamArg s) {
          return diagonal(to_array(a), offset, a1, a2, to_sod(s));
        },
        "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
        "stream"_a.none() = nb::none(),
        "Extract a diagonal of the matrices formed by two axes.\n\n"
        "Args:\n"
        "    a (array): Input array, at least 2-D.\n"
        "    offset (int, optional): Which diagonal: 0 is the main one, "
        "positive values are above it and negative values below. Default: "
        "``0``.\n"
        "    axis1 (int, optional): The row axis. Default: ``0``.\n"
        "    axis2 (int, optional): The column axis. Default: ``1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The remaining axes followed by a last axis holding the "
        "diagonal.");
  def_op(m, "diag", [](ArrayArg a, int64_t k, StreamArg s) { return diag(to_array(a), k, to_sod(s)); },
        "a"_a, "k"_a = 0, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Build a diagonal matrix from a vector, or extract a diagonal from a "
        "matrix.\n\n"
        "Args:\n"
        "    a (array): A 1-D array (placed on the diagonal of a square "
        "matrix) or a 2-D array (whose diagonal is read).\n"
        "    k (int, optional): Which diagonal: 0 is the main one, positive "
        "values are above it and negative values below. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The 2-D matrix or the 1-D diagonal.");
  def_op(m, "trace",
        [](ArrayArg a, int64_t offset, int64_t a1, int64_t a2, DtypeArg dtype,
           StreamArg s) {
          return trace(to_array(a), offset, a1, a2, to_dtype(dtype), to_sod(s));
        },
        "a"_a, "offset"_a = 0, "axis1"_a = 0, "axis2"_a = 1,
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Sum of a diagonal of the matrices formed by two axes.\n\n"
        "Args:\n"
        "    a (array): Input array, at least 2-D.\n"
        "    offset (int, optional): Which diagonal: 0 is the main one, "
        "positive values are above it. Default: ``0``.\n"
        "    axis1 (int, optional): The row axis. Default: ``0``.\n"
        "    axis2 (int, optional): The column axis. Default: ``1``.\n"
        "    dtype (Dtype, optional): The dtype of the sum. By default as "
        "for :func:`sum`.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The sums, over the remaining axes (a scalar for a "
        "matrix).");
  for (int nd = 1; nd <= 3; ++nd) {
    std::string name = "atleast_" + std::to_string(nd) + "d";
    def_op(m, name.c_str(),
          [nd](nb::args arrays, StreamArg s) { return one_or_list(arrays, nd, to_sod(s)); },
          "arys"_a, "stream"_a.none() = nb::none(),
          "Give arrays at least 1, 2 or 3 dimensions (by the function's "
          "name).\n\n"
          "Arrays that already have enough dimensions are returned as they "
          "are. Otherwise axes of size one are added: a scalar becomes "
          "``(1,)``, ``(1, 1)`` or ``(1, 1, 1)``, a 1-D array of size N "
          "becomes ``(1, N)`` or ``(1, N, 1)`` and a 2-D array ``(M, N)`` "
          "becomes ``(M, N, 1)``.\n\n"
          "Args:\n"
          "    *arys (array): The arrays.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array or list(array): One array for one input, else a list.");
  }
  def_op(m, "unstack",
        [](ArrayArg x, int64_t axis, StreamArg s) {
          nb::list l;
          for (auto& a : unstack(to_array(x), axis, to_sod(s))) l.append(a);
          return nb::tuple(l);
        },
        "x"_a, nb::kw_only(), "axis"_a = 0, "stream"_a.none() = nb::none(),
        "Split an array along an axis into the slices at each position.\n\n"
        "The inverse of :func:`stack`.\n\n"
        "Args:\n"
        "    x (array): Input array.\n"
        "    axis (int, optional): The axis to split along; it is removed "
        "from the parts. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array): One array per position along ``axis``.");
  def_op(m, "nan_to_num",
        [](ArrayArg a, double nan, std::optional<double> posinf,
           std::optional<double> neginf, StreamArg s) {
          return nan_to_num(to_array(a), nan, posinf, neginf, to_sod(s));
        },
        "a"_a, "nan"_a = 0.0, "posinf"_a.none() = nb::none(),
        "neginf"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Replace NaN and infinities with finite numbers.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    nan (float, optional): The value for NaN. Default: ``0``.\n"
        "    posinf (float, optional): The value for positive infinity. By "
        "default the largest finite value of the dtype.\n"
        "    neginf (float, optional): The value for negative infinity. By "
        "default the lowest finite value of the dtype.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with the values replaced (non-float inputs "
        "are unchanged).");
  def_op(m, "count_nonzero",
        [](ArrayArg a, IntsArg axis, bool keepdims, StreamArg s) {
          array x = to_array(a);
          return count_nonzero(x, to_axes(axis, x), keepdims, to_sod(s));
        },
        "a"_a, nb::kw_only(), "axis"_a.none() = nb::none(), "keepdims"_a = false,
        "stream"_a.none() = nb::none(),
        "Count the nonzero elements over the given axes.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    axis (int or list(int), optional): The axis or axes to count "
        "over. By default every axis.\n"
        "    keepdims (bool, optional): Whether to keep the reduced axes as "
        "axes of size one. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The counts, as int32.");
  def_op(m, "diff",
        [](ArrayArg a, int64_t n, int64_t axis, StreamArg s) {
          return diff(to_array(a), n, axis, to_sod(s));
        },
        "a"_a, "n"_a = 1, "axis"_a = -1, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Discrete difference along an axis, applied ``n`` times.\n\n"
        "One pass computes ``a[i + 1] - a[i]``, shortening the axis by "
        "one.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    n (int, optional): How many times to take the difference; 0 "
        "returns ``a``. Default: ``1``.\n"
        "    axis (int, optional): The axis. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The differences; ``axis`` is ``n`` shorter.");
  def_op(m, "pad",
        [](ArrayArg a, nb::handle widths, const std::string& mode, nb::handle value,
           StreamArg s) {
          array x = to_array(a);
          return pad(x, pad_widths(widths, x.ndim()), mode,
                     scalar_to_array(value, x.dtype()), to_sod(s));
        },
        "a"_a, "pad_width"_a, "mode"_a = "constant", "constant_values"_a = 0,
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Pad an array along its axes.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    pad_width (int or tuple): How much to add before and after "
        "each axis: ``n`` (all sides), ``(before, after)`` (every axis) or "
        "one ``(before, after)`` pair per axis.\n"
        "    mode (str, optional): ``\"constant\"`` fills with "
        "``constant_values``, ``\"edge\"`` repeats the edge values, "
        "``\"reflect\"`` mirrors without repeating the edge, "
        "``\"symmetric\"`` mirrors including it. Default: "
        "``\"constant\"``.\n"
        "    constant_values (scalar or array, optional): The fill value "
        "for ``\"constant\"``. Default: ``0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The padded array.");
  def_op(m, "matrix_transpose",
        [](ArrayArg a, StreamArg s) { return swapaxes(to_array(a), -1, -2, to_sod(s)); },
        "a"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Transpose the matrices in the last two axes.\n\n"
        "Args:\n"
        "    a (array): Input array, at least 2-D.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The array with its last two axes swapped.");
  def_op(m, "addmm",
        [](nb::handle c, ArrayArg a, ArrayArg b, double alpha, double beta,
           StreamArg s) {
          return addmm(to_array(c), to_array(a), to_array(b), alpha, beta, to_sod(s));
        },
        "c"_a, "a"_a, "b"_a, "alpha"_a = 1.0, "beta"_a = 1.0, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Matrix product plus a scaled addend, ``alpha * (a @ b) + beta * c``."
        "\n\n"
        "Args:\n"
        "    c (array): The addend; it broadcasts to the product's shape.\n"
        "    a (array): Left operand of the product.\n"
        "    b (array): Right operand of the product.\n"
        "    alpha (float, optional): Scale of the product. Default: "
        "``1.0``.\n"
        "    beta (float, optional): Scale of ``c``. Default: ``1.0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The result.");
  def_op(m, "outer", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return outer(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Outer product of two vectors.\n\n"
        "Inputs with more than one dimension are flattened first.\n\n"
        "Args:\n"
        "    a (array): First vector, of size M.\n"
        "    b (array): Second vector, of size N.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The ``(M, N)`` array of products ``a[i] * b[j]``.");
  def_op(m, "inner", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return inner(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Inner product over the last axes.\n\n"
        "For 1-D inputs this is the dot product; in general the result "
        "sums ``a[..., k] * b[..., k]`` for every pair of leading indices."
        "\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input; its last axis matches that of ``a``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An array of shape ``a.shape[:-1] + b.shape[:-1]``.");
  def_op(m, "tensordot",
        [](ArrayArg a, ArrayArg b, IntsArg axes, StreamArg s) {
          if (PyLong_Check(axes.ptr())) {
            return tensordot(to_array(a), to_array(b), nb::cast<int64_t>(axes), to_sod(s));
          }
          auto pair = nb::cast<std::vector<nb::object>>(axes);
          if (pair.size() != 2) {
            throw ValueError("[tensordot] axes must be an integer or a pair of axis lists.");
          }
          return tensordot(to_array(a), to_array(b), to_shape(pair[0]),
                           to_shape(pair[1]), to_sod(s));
        },
        "a"_a, "b"_a, "axes"_a = 2, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Tensor contraction: sum of products over pairs of axes.\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input.\n"
        "    axes (int or list(list(int)), optional): An integer ``n`` "
        "contracts the last ``n`` axes of ``a`` with the first ``n`` of "
        "``b``; a pair of lists names the axes of ``a`` and of ``b`` to "
        "contract. Default: ``2``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The remaining axes of ``a`` followed by those of ``b``."
        );
  def_op(m, "vecdot",
        [](ArrayArg a, ArrayArg b, int64_t axis, StreamArg s) {
          return vecdot(to_array(a), to_array(b), axis, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "axis"_a = -1, "stream"_a.none() = nb::none(),
        "Dot product of vectors along an axis.\n\n"
        "Computes ``sum(conj(a) * b, axis)``, with ``a`` and ``b`` "
        "broadcast against each other.\n\n"
        "Args:\n"
        "    a (array): First input; it is conjugated if complex.\n"
        "    b (array): Second input.\n"
        "    axis (int, optional): The axis holding the vectors. Default: "
        "``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The dot products, without ``axis``.");
  def_op(m, "gather_mm",
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
        "Matrix products of matrices picked from the batch axes.\n\n"
        "Equivalent to gathering matrices from ``a`` and ``b`` and then "
        "calling :func:`matmul`, without materialising the gathered "
        "copies. Each index is a flat position among the batch axes (all "
        "but the last two); the two index arrays broadcast against each "
        "other and give the batch shape of the result.\n\n"
        "Args:\n"
        "    a (array): Left matrices, of shape ``(..., M, K)``.\n"
        "    b (array): Right matrices, of shape ``(..., K, N)``.\n"
        "    lhs_indices (array, optional): Which matrices of ``a`` to use. "
        "By default all of them, in order.\n"
        "    rhs_indices (array, optional): Which matrices of ``b`` to use. "
        "By default all of them, in order.\n"
        "    sorted_indices (bool, optional): A hint that the indices are "
        "sorted; it does not change the result. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The products, of shape ``batch + (M, N)``.");
  def_op(m, "segmented_mm",
        [](ArrayArg a, ArrayArg b, nb::handle segments, StreamArg s) {
          return segmented_mm(to_array(a), to_array(b), to_array(segments), to_sod(s));
        },
        "a"_a, "b"_a, "segments"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix products over segments of the inner dimension.\n\n"
        "Each segment ``[start, end)`` of the shared dimension gives its "
        "own product ``a[:, start:end] @ b[start:end, :]``.\n\n"
        "Args:\n"
        "    a (array): Left operand, of shape ``(M, K)``.\n"
        "    b (array): Right operand, of shape ``(K, N)``.\n"
        "    segments (array): The ``(start, end)`` pairs, of shape "
        "``(..., 2)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: One ``(M, N)`` product per segment, of shape "
        "``segments.shape[:-1] + (M, N)``.");
  def_op(m, "block_masked_mm",
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
        "Matrix product with square blocks of the operands and output "
        "masked.\n\n"
        "The matrices are cut into ``block_size`` by ``block_size`` "
        "blocks. Each mask has one entry per block (so the last two axes "
        "of the masks are the matrix sizes divided by ``block_size``, "
        "rounded up). Boolean masks zero the blocks that are false; "
        "floating point masks scale each block.\n\n"
        "Args:\n"
        "    a (array): Left operand, of shape ``(..., M, K)``.\n"
        "    b (array): Right operand, of shape ``(..., K, N)``.\n"
        "    block_size (int, optional): The block size, 32 or 64. "
        "Default: ``64``.\n"
        "    mask_out (array, optional): Mask of the output blocks.\n"
        "    mask_lhs (array, optional): Mask of the blocks of ``a``.\n"
        "    mask_rhs (array, optional): Mask of the blocks of ``b``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The masked product.");
  def_op(m, "hadamard_transform",
        [](ArrayArg a, std::optional<double> scale, StreamArg s) {
          return hadamard_transform(to_array(a), scale, to_sod(s));
        },
        "a"_a, "scale"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Walsh-Hadamard transform along the last axis.\n\n"
        "Multiplies each vector along the last axis by the Hadamard "
        "matrix of its size, then by ``scale``. The size must be a power "
        "of two.\n\n"
        "Args:\n"
        "    a (array): Input array; integer inputs give float32.\n"
        "    scale (float, optional): Factor applied to the result. "
        "Default: ``1 / sqrt(n)``, which makes the transform orthonormal.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The transformed array, with the shape of ``a``.");
  def_op(m, "kron", [](ArrayArg a, ArrayArg b, StreamArg s) {
          return kron(to_array(a), to_array(b), to_sod(s));
        }, "a"_a, "b"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Kronecker product of two arrays.\n\n"
        "Every element of ``a`` is replaced by that element times the whole "
        "of ``b``. The inputs are first given the same number of axes by "
        "adding leading axes of size one.\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: An array whose shape is the element-wise product of the "
        "two shapes.");
}

}  // namespace ember::py
