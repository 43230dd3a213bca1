// Indexing from Python. Integers, slices, None and Ellipsis are views;
// array and list indices follow numpy's advanced-indexing rules through
// gather (reads) and scatter (writes and .at[] updates).
#include <algorithm>

#include "bindings/common.h"
#include "core/errors.h"
#include "ops/indexing.h"
#include "ops/scan.h"

namespace ember::py {

namespace {

// An integer index: a Python int or a 0-d integer array.
// Python's own slice errors (a zero step, a non-integer bound), named.
void unpack_slice(nb::handle h, Py_ssize_t& b, Py_ssize_t& e, Py_ssize_t& s) {
  if (PySlice_Unpack(h.ptr(), &b, &e, &s) == 0) return;
  nb::python_error err;
  std::string msg = "[getitem] " + nb::cast<std::string>(nb::str(err.value())) + ".";
  if (err.matches(PyExc_ValueError)) throw ValueError(msg);
  throw nb::type_error(msg.c_str());
}

bool as_int_index(nb::handle h, int64_t& out) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
    out = nb::cast<int64_t>(h);
    return true;
  }
  if (!nb::isinstance<array>(h) && !PyBool_Check(h.ptr()) &&
      nb::hasattr(h, "__index__") && !nb::hasattr(h, "__array__")) {
    out = nb::cast<int64_t>(h.attr("__index__")());
    return true;
  }
  return false;
}

// A basic index resolved against an array: the slice to take and the shape
// of the result (integer axes dropped, None axes inserted).
struct BasicIndex {
  Shape start, stop, step, out_shape;
};

BasicIndex parse_index(const array& a, nb::handle index) {
  std::vector<nb::handle> items;
  if (PyTuple_Check(index.ptr())) {
    for (nb::handle h : nb::borrow<nb::tuple>(index)) items.push_back(h);
  } else {
    items.push_back(index);
  }
  int consumed = 0;
  bool has_ellipsis = false;
  for (auto h : items) {
    if (h.is_none()) continue;
    if (h.ptr() == Py_Ellipsis) {
      if (has_ellipsis) {
        throw IndexError("[getitem] An index can only have a single ellipsis.");
      }
      has_ellipsis = true;
      continue;
    }
    ++consumed;
  }
  if (consumed > a.ndim()) {
    throw AxisError("[getitem] Too many indices for array with " +
                     std::to_string(a.ndim()) + " dimensions.");
  }
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  Shape out_shape;
  int dim = 0;
  for (auto h : items) {
    if (h.is_none()) {
      out_shape.push_back(1);
      continue;
    }
    if (h.ptr() == Py_Ellipsis) {
      int skip = a.ndim() - consumed;
      for (int k = 0; k < skip; ++k, ++dim) out_shape.push_back(a.shape()[dim]);
      continue;
    }
    int64_t n = a.shape()[dim], i;
    if (as_int_index(h, i)) {
      if (i < -n || i >= n) {
        throw IndexError("[getitem] Index " + std::to_string(i) +
                         " is out of bounds for axis " + std::to_string(dim) +
                         " with size " + std::to_string(n) + ".");
      }
      if (i < 0) i += n;
      start[dim] = i;
      stop[dim] = i + 1;
      ++dim;
      continue;
    }
    if (PySlice_Check(h.ptr())) {
      Py_ssize_t b, e, s;
      unpack_slice(h, b, e, s);
      Py_ssize_t len = PySlice_AdjustIndices(n, &b, &e, s);
      if (len == 0) b = e = 0, s = 1;  // e.g. a[-n-1::-1]: start -1 is "before 0"
      start[dim] = b;
      // AdjustIndices gives -1 for "before the start" with negative steps;
      // slice() reads negatives from the end, so say it as -(n + 1).
      stop[dim] = e < 0 ? -(n + 1) : e;
      step[dim] = s;
      out_shape.push_back(len);
      ++dim;
      continue;
    }
    throw AxisError("[index] Unsupported index type " +
                     nb::cast<std::string>(nb::str(h.type().attr("__name__"))) +
                     ".");
  }
  for (; dim < a.ndim(); ++dim) out_shape.push_back(a.shape()[dim]);
  return {std::move(start), std::move(stop), std::move(step),
          std::move(out_shape)};
}

bool is_advanced(nb::handle h) {
  return nb::isinstance<array>(h) || PyList_Check(h.ptr()) ||
         (!PyTuple_Check(h.ptr()) && nb::hasattr(h, "__array__")) ||
         PyBool_Check(h.ptr());
}

std::vector<nb::handle> index_items(nb::handle index) {
  std::vector<nb::handle> items;
  if (PyTuple_Check(index.ptr())) {
    for (nb::handle h : nb::borrow<nb::tuple>(index)) items.push_back(h);
  } else {
    items.push_back(index);
  }
  return items;
}

// An index with arrays in it, resolved against x: x itself has the None
// axes inserted, and every axis is a slice or an advanced (array) index.
struct AdvancedIndex {
  array x;
  Shape start, stop, step;      // slices; full range on advanced axes
  std::vector<int> adv_axes;    // axes indexed by arrays
  std::vector<array> adv;       // their index arrays
  Shape b;                      // broadcast shape of the index arrays
  bool in_place = false;        // advanced axes adjacent: numpy keeps them there
};

AdvancedIndex parse_advanced(const array& a, nb::handle index) {
  auto items = index_items(index);
  int consumed = 0;
  for (auto h : items) consumed += !(h.is_none() || h.ptr() == Py_Ellipsis);
  if (consumed > a.ndim()) {
    throw AxisError("[index] Too many indices for array with " +
                     std::to_string(a.ndim()) + " dimensions.");
  }
  AdvancedIndex r;
  r.x = a;
  std::vector<nb::handle> entries;  // one per axis of r.x; invalid = full slice
  std::vector<int> item_of;         // which index item each axis came from
  int dim = 0;
  for (int it = 0; it < static_cast<int>(items.size()); ++it) {
    nb::handle h = items[it];
    if (h.is_none()) {
      r.x = expand_dims(r.x, {dim});
      entries.push_back(nb::handle());
      item_of.push_back(it);
      ++dim;
    } else if (h.ptr() == Py_Ellipsis) {
      for (int k = 0; k < a.ndim() - consumed; ++k, ++dim) {
        entries.push_back(nb::handle());
        item_of.push_back(it);
      }
    } else {
      entries.push_back(h);
      item_of.push_back(it);
      ++dim;
    }
  }
  while (item_of.size() < entries.size()) item_of.push_back(static_cast<int>(items.size()));
  while (static_cast<int>(entries.size()) < r.x.ndim()) {
    entries.push_back(nb::handle());
    item_of.push_back(static_cast<int>(items.size()));
  }
  int nd = r.x.ndim();
  r.start.assign(nd, 0);
  r.stop = r.x.shape();
  r.step.assign(nd, 1);
  for (int d = 0; d < nd; ++d) {
    nb::handle h = entries[d];
    int64_t n = r.x.shape()[d];
    if (!h.is_valid()) continue;
    if (PySlice_Check(h.ptr())) {
      Py_ssize_t b, e, st;
      unpack_slice(h, b, e, st);
      if (PySlice_AdjustIndices(n, &b, &e, st) == 0) b = e = 0, st = 1;
      r.start[d] = b;
      r.stop[d] = e < 0 ? -(n + 1) : e;
      r.step[d] = st;
      continue;
    }
    array idx = PyLong_Check(h.ptr()) ? array(nb::cast<int64_t>(h)) : to_array(h);
    if (idx.dtype() == bool_) {
      throw AxisError("[index] Boolean arrays can index only as a single mask "
                       "in assignment (a[mask] = value); reading with a mask "
                       "would give a data-dependent shape.");
    }
    if (!is_integral(idx.dtype())) {
      throw AxisError(std::string("[index] Index arrays must be integers; got ") +
                       dtype_name(idx.dtype()) + ".");
    }
    r.adv_axes.push_back(d);
    r.adv.push_back(idx);
    r.b = broadcast_shapes(r.b, idx.shape(), "index");
  }
  // numpy keeps the broadcast block in place only when the advanced
  // indices are consecutive items of the index (an Ellipsis or None
  // between them, even an empty one, sends the block to the front).
  r.in_place = !r.adv_axes.empty() &&
               item_of[r.adv_axes.back()] - item_of[r.adv_axes.front()] + 1 ==
                   static_cast<int>(r.adv_axes.size());
  return r;
}

// Permutation taking (B, other axes...) to numpy's result order, where the
// B block sits at the first advanced axis when the advanced axes are adjacent.
std::vector<int64_t> result_perm(const AdvancedIndex& r, int result_ndim) {
  int nb_dims = static_cast<int>(r.b.size());
  int p = r.in_place ? r.adv_axes.front() : 0;
  std::vector<int64_t> perm;
  for (int i = 0; i < p; ++i) perm.push_back(nb_dims + i);
  for (int i = 0; i < nb_dims; ++i) perm.push_back(i);
  for (int i = nb_dims + p; i < result_ndim; ++i) perm.push_back(i);
  return perm;
}

array get_item(const array& a, nb::handle index) {
  auto items = index_items(index);
  bool advanced = false;
  for (auto h : items) advanced |= is_advanced(h);
  if (!advanced) {
    BasicIndex ix = parse_index(a, index);
    return reshape(slice(a, ix.start, ix.stop, ix.step), ix.out_shape);
  }
  AdvancedIndex r = parse_advanced(a, index);
  array y = slice(r.x, r.start, r.stop, r.step);
  Shape sizes = y.shape();
  for (int d : r.adv_axes) sizes[d] = 1;
  array g = gather(y, r.adv, r.adv_axes, sizes);
  Axes drop;
  for (int d : r.adv_axes) drop.push_back(static_cast<int64_t>(r.b.size()) + d);
  g = squeeze(g, drop);
  return transpose(g, result_perm(r, g.ndim()));
}

// Index arrays for every axis of x (advanced ones, and aranges for the
// sliced ones) laid out as B + S, and the updates in that layout.
void scatter_parts(const AdvancedIndex& r, const array& value,
                   std::vector<array>& idx, std::vector<int>& axes, array& upd) {
  array y = slice(r.x, r.start, r.stop, r.step);
  Shape s_shape;
  std::vector<int> s_axes;
  for (int d = 0; d < r.x.ndim(); ++d) {
    if (std::find(r.adv_axes.begin(), r.adv_axes.end(), d) == r.adv_axes.end()) {
      s_axes.push_back(d);
      s_shape.push_back(y.shape()[d]);
    }
  }
  int nbd = static_cast<int>(r.b.size()), ns = static_cast<int>(s_shape.size());
  for (size_t k = 0; k < r.adv.size(); ++k) {
    Shape sh = r.b;
    sh.insert(sh.end(), ns, 1);
    Shape padded(nbd - r.adv[k].ndim(), 1);
    padded.insert(padded.end(), r.adv[k].shape().begin(), r.adv[k].shape().end());
    padded.insert(padded.end(), ns, 1);
    idx.push_back(reshape(r.adv[k], padded));
    axes.push_back(r.adv_axes[k]);
  }
  for (int j = 0; j < ns; ++j) {
    int d = s_axes[j];
    Shape sh(nbd + ns, 1);
    sh[nbd + j] = s_shape[j];
    array ar = arange(static_cast<double>(r.start[d]),
                      static_cast<double>(r.start[d] + s_shape[j] * r.step[d]),
                      static_cast<double>(r.step[d]), int64);
    if (s_shape[j] == 0) ar = zeros({0}, int64);
    idx.push_back(reshape(ar, sh));
    axes.push_back(d);
  }
  // The value broadcasts against numpy's result shape, then goes to B + S.
  Shape bs = r.b;
  bs.insert(bs.end(), s_shape.begin(), s_shape.end());
  auto perm = result_perm(r, static_cast<int>(bs.size()));
  Shape numpy_shape;
  for (auto p : perm) numpy_shape.push_back(bs[p]);
  array v = value;
  while (v.ndim() > static_cast<int>(numpy_shape.size()) && v.shape()[0] == 1) {
    v = squeeze(v, {0});
  }
  v = broadcast_to(v, numpy_shape);
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  v = transpose(v, inverse);
  Shape ushape = bs;
  ushape.insert(ushape.end(), r.x.ndim(), 1);
  upd = reshape(v, ushape);
}

// a with the indexed elements combined with value by kind.
array scatter_index(const array& a, nb::handle index, const array& value,
                    Scatter::Kind kind) {
  AdvancedIndex r = parse_advanced(a, index);
  std::vector<array> idx;
  std::vector<int> axes;
  array upd;
  scatter_parts(r, astype(value, a.dtype()), idx, axes, upd);
  return reshape(scatter(r.x, idx, upd, axes, kind), a.shape());
}

// Indices into a flat array of size n, clamped so masked-out positions
// (whose value is discarded) stay in bounds.
array clip_index(const array& pos, int64_t n) {
  return minimum(maximum(pos, array(0)), array(static_cast<int32_t>(std::max<int64_t>(n - 1, 0))));
}

void set_item(array& a, nb::handle index, nb::handle value) {
  auto items = index_items(index);
  array v = scalar_to_array(value, a.dtype());
  // a[mask] = v with a boolean mask: v broadcasts to a, or gives one
  // value per true element, in order.
  if (items.size() == 1 && is_advanced(items[0]) && !PyBool_Check(items[0].ptr())) {
    array m = to_array(items[0]);
    if (m.dtype() == bool_) {
      if (m.ndim() > a.ndim() ||
          !std::equal(m.shape().begin(), m.shape().end(), a.shape().begin())) {
        throw IndexError("[setitem] A boolean mask must match the leading "
                         "dimensions of the array; got mask shape " +
                         shape_str(m.shape()) + " for array shape " +
                         shape_str(a.shape()) + ".");
      }
      v = astype(v, a.dtype());
      // The mask covers the leading axes; it selects whole trailing blocks.
      Shape rest(a.shape().begin() + m.ndim(), a.shape().end());
      Shape m_shape = m.shape();
      m_shape.insert(m_shape.end(), rest.size(), 1);
      array m_full = reshape(m, m_shape);
      Shape b;
      try {
        b = broadcast_shapes(v.shape(), a.shape(), "setitem");
      } catch (const ValueError&) {
        b.clear();
      }
      if (b == a.shape() && v.size() <= a.size()) {
        a = where(m_full, v, a);
        return;
      }
      Shape block{-1};
      block.insert(block.end(), rest.begin(), rest.end());
      array flat_v = reshape(v, block);
      array flat_m = reshape(m, {-1});
      array pos = subtract(cumsum(astype(flat_m, int32), 0, false, true), array(1));
      pos = stop_gradient(clip_index(pos, flat_v.shape()[0]));
      array picked = reshape(take(flat_v, pos, 0), a.shape());
      a = where(m_full, picked, a);
      return;
    }
  }
  bool advanced = false;
  for (auto h : items) advanced |= is_advanced(h);
  if (advanced) {
    a = scatter_index(a, index, v, Scatter::None);
    return;
  }
  BasicIndex ix = parse_index(a, index);
  // Leading unit axes of the value beyond the indexed shape are dropped.
  while (v.ndim() > static_cast<int>(ix.out_shape.size()) && v.shape()[0] == 1) {
    v = squeeze(v, {0});
  }
  v = broadcast_to(v, ix.out_shape);
  Shape region = slice(a, ix.start, ix.stop, ix.step).shape();
  a = slice_update(a, reshape(v, region), ix.start, ix.stop, ix.step);
}

// a.at[index]: out-of-place updates that accumulate on repeated indices.
struct ArrayAt {
  array a;
  nb::object index;
};

array at_update(const ArrayAt& at, nb::handle value, Scatter::Kind kind,
                bool negate, bool invert) {
  if (!at.index.is_valid()) {
    throw ValueError("[at] Index the .at property first: a.at[index].add(v).");
  }
  array v = scalar_to_array(value, at.a.dtype());
  if (negate) v = negative(v);
  if (invert) v = reciprocal(v);
  return scatter_index(at.a, at.index, v, kind);
}

}  // namespace

void init_indexing(nb::module_& m, nb::class_<array>& cls) {
  nb::class_<ArrayAt>(m, "ArrayAt", "Out-of-place updates of an array at an index.")
      .def("__getitem__",
           [](ArrayAt& at, nb::object index) {
             return ArrayAt{at.a, std::move(index)};
           },
           "indices"_a.none())
      .def("add", name_errors("at.add", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Add, false, false);
      }), "value"_a,
      "Add to the elements at the index, out of place.\n\n"
      "Unlike ``a[idx] += value``, an element named several times by the "
      "index receives every addition.\n\n"
      "Args:\n"
      "    value (scalar or array): The values to add; they broadcast to "
      "the indexed shape.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.")
      .def("subtract", name_errors("at.subtract", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Add, true, false);
      }), "value"_a,
      "Subtract from the elements at the index, out of place.\n\n"
      "Repeated indices receive every subtraction.\n\n"
      "Args:\n"
      "    value (scalar or array): The values to subtract.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.")
      .def("multiply", name_errors("at.multiply", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Prod, false, false);
      }), "value"_a,
      "Multiply the elements at the index, out of place.\n\n"
      "Repeated indices receive every multiplication.\n\n"
      "Args:\n"
      "    value (scalar or array): The factors.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.")
      .def("divide", name_errors("at.divide", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Prod, false, true);
      }), "value"_a,
      "Divide the elements at the index, out of place.\n\n"
      "Repeated indices receive every division.\n\n"
      "Args:\n"
      "    value (scalar or array): The divisors.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.")
      .def("maximum", name_errors("at.maximum", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Max, false, false);
      }), "value"_a,
      "Take the maximum with the elements at the index, out of place.\n\n"
      "Args:\n"
      "    value (scalar or array): The values to compare with.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.")
      .def("minimum", name_errors("at.minimum", [](const ArrayAt& at, nb::handle v) {
        return at_update(at, v, Scatter::Min, false, false);
      }), "value"_a,
      "Take the minimum with the elements at the index, out of place.\n\n"
      "Args:\n"
      "    value (scalar or array): The values to compare with.\n\n"
      "Returns:\n"
      "    array: A new array; the original is unchanged.");
  cls.def_prop_ro("at", [](const array& a) { return ArrayAt{a, nb::object()}; },
                  "Out-of-place updates: a.at[index].add(value), ...");
  cls.def("__getitem__", name_errors("getitem", &get_item), "index"_a.none(),
          "Index the array with integers, slices, None and Ellipsis.");
  cls.def("__setitem__", name_errors("setitem", &set_item), "index"_a.none(),
          "value"_a.none(),
          "Write into the indexed part of the array (the Python object is "
          "rebound to the updated array).");
}

}  // namespace ember::py

namespace ember::py {

void init_indexing_ops(nb::module_& m) {
  def_op(m, "take",
        [](ArrayArg a, ArrayArg indices, IntsArg axis, StreamArg s) {
          array x = to_array(a);
          array idx = to_array(indices);
          if (axis.is_none()) return take(x, idx, to_sod(s));
          return take(x, idx, nb::cast<int64_t>(axis), to_sod(s));
        },
        "a"_a, "indices"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Take elements or slices of an array at given indices.\n\n"
        "With an axis, this selects whole slices along it, like "
        "``a[:, indices]`` for axis 1. Negative indices count from the "
        "end.\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    indices (int or array): Integer indices, of any shape.\n"
        "    axis (int, optional): The axis to index. By default the array "
        "is flattened first.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: ``axis`` of ``a`` replaced by the axes of ``indices`` "
        "(or the shape of ``indices`` without an axis).");
  def_op(m, "take_along_axis",
        [](ArrayArg a, ArrayArg indices, IntsArg axis, StreamArg s) {
          array x = to_array(a);
          array idx = to_array(indices);
          if (axis.is_none()) {
            return take_along_axis(reshape(x, {-1}), reshape(idx, {-1}), 0, to_sod(s));
          }
          return take_along_axis(x, idx, nb::cast<int64_t>(axis), to_sod(s));
        },
        "a"_a, "indices"_a, "axis"_a.none() = -1, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Pick elements along an axis with an index array of the same rank."
        "\n\n"
        "For each position, the index selects which element along ``axis`` "
        "is taken; the other axes of ``indices`` broadcast with those of "
        "``a``. Useful with the output of :func:`argsort` or "
        ":func:`argmax` (with ``keepdims=True``).\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    indices (array): Integer indices with as many axes as ``a``.\n"
        "    axis (int or None, optional): The axis to pick along; ``None`` "
        "flattens both arrays first. Default: ``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The picked elements.");
  def_op(m, "put_along_axis",
        [](ArrayArg a, ArrayArg indices, nb::handle values, IntsArg axis,
           StreamArg s) {
          array x = to_array(a);
          array idx = to_array(indices);
          array v = scalar_to_array(values, x.dtype());
          if (axis.is_none()) {
            return reshape(put_along_axis(reshape(x, {-1}), reshape(idx, {-1}), v, 0,
                                          to_sod(s)),
                           x.shape());
          }
          return put_along_axis(x, idx, v, nb::cast<int64_t>(axis), to_sod(s));
        },
        "a"_a, "indices"_a, "values"_a, "axis"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Write values along an axis at positions given by an index array."
        "\n\n"
        "The counterpart of :func:`take_along_axis`: a copy of ``a`` is "
        "returned with ``values`` written where the indices point.\n\n"
        "Args:\n"
        "    a (array): The array to update.\n"
        "    indices (array): Integer indices with as many axes as ``a``.\n"
        "    values (scalar or array): The values to write; they broadcast "
        "with ``indices`` and are converted to the dtype of ``a``.\n"
        "    axis (int, optional): The axis to write along. By default both "
        "arrays are flattened.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The updated array, with the shape and dtype of ``a``.");
}

}  // namespace ember::py
