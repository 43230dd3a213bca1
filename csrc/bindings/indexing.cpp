// Basic indexing: integers, slices (any step), None and Ellipsis, as views.
#include "bindings/common.h"
#include "core/errors.h"

namespace ember::py {

namespace {

// An integer index: a Python int or a 0-d integer array.
bool as_int_index(nb::handle h, int64_t& out) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) {
    out = nb::cast<int64_t>(h);
    return true;
  }
  if (nb::isinstance<array>(h)) {
    array a = nb::cast<array>(h);
    if (a.ndim() == 0 && is_integral(a.dtype())) {
      out = nb::cast<int64_t>(to_scalar(a));
      return true;
    }
  }
  if (nb::hasattr(h, "__index__") && !nb::isinstance<array>(h)) {
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
    throw IndexError("[getitem] Too many indices for array with " +
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
      if (PySlice_Unpack(h.ptr(), &b, &e, &s) < 0) throw nb::python_error();
      Py_ssize_t len = PySlice_AdjustIndices(n, &b, &e, s);
      start[dim] = b;
      // AdjustIndices gives -1 for "before the start" with negative steps;
      // slice() reads negatives from the end, so say it as -(n + 1).
      stop[dim] = e < 0 ? -(n + 1) : e;
      step[dim] = s;
      out_shape.push_back(len);
      ++dim;
      continue;
    }
    throw IndexError(
        "[index] Only integers, slices, None and Ellipsis are supported "
        "as indices so far; array and list indices are not.");
  }
  for (; dim < a.ndim(); ++dim) out_shape.push_back(a.shape()[dim]);
  return {std::move(start), std::move(stop), std::move(step),
          std::move(out_shape)};
}

array get_item(const array& a, nb::handle index) {
  BasicIndex ix = parse_index(a, index);
  return reshape(slice(a, ix.start, ix.stop, ix.step), ix.out_shape);
}

void set_item(array& a, nb::handle index, nb::handle value) {
  BasicIndex ix = parse_index(a, index);
  array v = scalar_to_array(value, a.dtype());
  // Leading unit axes of the value beyond the indexed shape are dropped.
  while (v.ndim() > static_cast<int>(ix.out_shape.size()) && v.shape()[0] == 1) {
    v = squeeze(v, {0});
  }
  v = broadcast_to(v, ix.out_shape);
  Shape region = slice(a, ix.start, ix.stop, ix.step).shape();
  a = slice_update(a, reshape(v, region), ix.start, ix.stop, ix.step);
}

}  // namespace

void init_indexing(nb::class_<array>& cls) {
  cls.def("__getitem__", &get_item, "index"_a.none(),
          "Index the array with integers, slices, None and Ellipsis.");
  cls.def("__setitem__", &set_item, "index"_a.none(), "value"_a.none(),
          "Write into the indexed part of the array (the Python object is "
          "rebound to the updated array).");
}

}  // namespace ember::py
