// Shape builders: reshape, transpose, squeeze/expand, broadcast, slice,
// concatenate and the ops composed from them.
#include <algorithm>
#include <numeric>

#include "core/errors.h"
#include "ops/ops.h"
#include "ops/shape.h"

namespace ember {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        throw ValueError("[reshape] Reshape can only infer one dimension.");
      }
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw ValueError("[reshape] Invalid dimension " + str(shape[i]) + ".");
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      throw ValueError("[reshape] Cannot infer the shape of an array of size " +
                       str(a.size()) + " into shape " + shape_str(shape) + ".");
    }
    shape[infer] = a.size() / known;
  }
  if (shape_size(shape, "reshape") != a.size()) {
    throw ValueError("[reshape] Cannot reshape array of size " + str(a.size()) +
                     " into shape " + shape_str(shape) + ".");
  }
  if (shape == a.shape()) return a;
  Shape params = shape;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Reshape>(to_stream(s), std::move(params)), {a});
}

array flatten(const array& a, int64_t start_axis, int64_t end_axis,
              StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  int b = normalize_axis(start_axis, a.ndim(), "flatten");
  int e = normalize_axis(end_axis, a.ndim(), "flatten");
  if (b > e) return a;
  Shape shape(a.shape().begin(), a.shape().begin() + b);
  int64_t n = 1;
  for (int i = b; i <= e; ++i) n *= a.shape()[i];
  shape.push_back(n);
  shape.insert(shape.end(), a.shape().begin() + e + 1, a.shape().end());
  return reshape(a, std::move(shape), s);
}

array unflatten(const array& a, int64_t axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) {
    throw ValueError("[unflatten] The new shape must not be empty.");
  }
  int ax = normalize_axis(axis, a.ndim(), "unflatten");
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  Shape tail(a.shape().begin() + ax + 1, a.shape().end());
  // Resolve -1 against the size of the one axis being split.
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw ValueError("[unflatten] Only one -1 is allowed.");
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known != 0) shape[infer] = a.shape()[ax] / known;
  if (shape_size(shape, "unflatten") != a.shape()[ax]) {
    throw ValueError("[unflatten] Cannot unflatten axis of size " +
                     str(a.shape()[ax]) + " into shape " + shape_str(shape) +
                     ".");
  }
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return reshape(a, std::move(out), s);
}

array transpose(const array& a, std::vector<int64_t> axes, StreamOrDevice s) {
  if (static_cast<int>(axes.size()) != a.ndim()) {
    throw ValueError("[transpose] Received " + str(axes.size()) +
                     " axes for an array with " + str(a.ndim()) +
                     " dimensions.");
  }
  std::vector<bool> used(a.ndim(), false);
  Shape shape(a.ndim());
  bool identity = true;
  for (int i = 0; i < a.ndim(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "transpose");
    if (used[ax]) throw ValueError("[transpose] Repeated axis in transpose.");
    used[ax] = true;
    axes[i] = ax;
    shape[i] = a.shape()[ax];
    identity = identity && ax == i;
  }
  if (identity) return a;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Transpose>(to_stream(s), std::move(axes)), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int64_t> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, std::move(axes), s);
}

array swapaxes(const array& a, int64_t axis1, int64_t axis2, StreamOrDevice s) {
  int a1 = normalize_axis(axis1, a.ndim(), "swapaxes");
  int a2 = normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int64_t> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  std::swap(axes[a1], axes[a2]);
  return transpose(a, std::move(axes), s);
}

array moveaxis(const array& a, int64_t source, int64_t destination,
               StreamOrDevice s) {
  int src = normalize_axis(source, a.ndim(), "moveaxis");
  int dst = normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int64_t> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  axes.erase(axes.begin() + src);
  axes.insert(axes.begin() + dst, src);
  return transpose(a, std::move(axes), s);
}

array squeeze(const array& a, const Axes& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  Shape shape;
  size_t j = 0;
  for (int i = 0; i < a.ndim(); ++i) {
    if (j < ax.size() && ax[j] == i) {
      if (a.shape()[i] != 1) {
        throw ValueError("[squeeze] Cannot squeeze axis " + str(i) +
                         " with size " + str(a.shape()[i]) + " != 1.");
      }
      ++j;
    } else {
      shape.push_back(a.shape()[i]);
    }
  }
  return reshape(a, std::move(shape), s);
}

array squeeze(const array& a, StreamOrDevice s) {
  Axes axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 1) axes.push_back(i);
  }
  return squeeze(a, axes, s);
}

array expand_dims(const array& a, const Axes& axes, StreamOrDevice s) {
  int out_ndim = a.ndim() + static_cast<int>(axes.size());
  auto ax = normalize_axes(axes, out_ndim, "expand_dims");
  Shape shape;
  size_t j = 0, k = 0;
  for (int i = 0; i < out_ndim; ++i) {
    if (j < ax.size() && ax[j] == i) {
      shape.push_back(1);
      ++j;
    } else {
      shape.push_back(a.shape()[k++]);
    }
  }
  return reshape(a, std::move(shape), s);
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  Shape b;
  try {
    b = broadcast_shapes(a.shape(), shape, "broadcast_to");
  } catch (const ValueError&) {
    b.clear();
  }
  if (b != shape) {
    throw ValueError("[broadcast_to] Cannot broadcast array of shape " +
                     shape_str(a.shape()) + " into shape " + shape_str(shape) +
                     ".");
  }
  return array(shape, a.dtype(),
               std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& arrays,
                                    StreamOrDevice s) {
  Shape shape;
  for (auto& a : arrays) shape = broadcast_shapes(shape, a.shape(), "broadcast_arrays");
  std::vector<array> out;
  for (auto& a : arrays) out.push_back(broadcast_to(a, shape, s));
  return out;
}

namespace {

// Python's slice.indices for every axis: start is clamped into range and
// the result is the length of each sliced axis.
Shape normalize_slice(const array& a, Shape& start, const Shape& stop,
                      const Shape& strides, const char* op) {
  if (static_cast<int>(start.size()) != a.ndim() ||
      stop.size() != start.size() || strides.size() != start.size()) {
    throw ValueError(std::string("[") + op +
                     "] Invalid number of indices or strides for array with " +
                     str(a.ndim()) + " dimensions.");
  }
  Shape shape(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) {
    int64_t n = a.shape()[i], st = strides[i];
    if (st == 0) throw ValueError(std::string("[") + op + "] Slice step cannot be zero.");
    auto clamp = [&](int64_t v) {
      if (v < 0) v += n;
      if (st > 0) return std::clamp<int64_t>(v, 0, n);
      return std::clamp<int64_t>(v, -1, n - 1);
    };
    int64_t b = clamp(start[i]), e = clamp(stop[i]);
    int64_t len = st > 0 ? (e - b + st - 1) / st : (b - e - st - 1) / (-st);
    shape[i] = std::max<int64_t>(len, 0);
    start[i] = shape[i] > 0 ? b : 0;
  }
  return shape;
}

}  // namespace

array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s) {
  Shape shape = normalize_slice(a, start, stop, strides, "slice");
  bool whole = shape == a.shape();
  for (int i = 0; i < a.ndim() && whole; ++i) {
    whole = start[i] == 0 && strides[i] == 1;
  }
  if (whole) return a;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Slice>(to_stream(s), std::move(start),
                                       std::move(strides)),
               {a});
}

array slice_update(const array& a, const array& update, Shape start,
                   Shape stop, Shape strides, StreamOrDevice s) {
  Shape shape = normalize_slice(a, start, stop, strides, "slice_update");
  array upd = broadcast_to(astype(update, a.dtype(), s), shape, s);
  if (shape_size(shape) == 0) return a;
  return array(a.shape(), a.dtype(),
               std::make_shared<SliceUpdate>(to_stream(s), std::move(start),
                                             std::move(strides)),
               {a, upd});
}

array concatenate(const std::vector<array>& arrays, int64_t axis,
                  StreamOrDevice s) {
  if (arrays.empty()) {
    throw ValueError("[concatenate] No arrays provided for concatenation.");
  }
  const array& first = arrays[0];
  if (first.ndim() == 0) {
    throw ValueError("[concatenate] Zero-dimensional arrays cannot be "
                     "concatenated.");
  }
  int ax = normalize_axis(axis, first.ndim(), "concatenate");
  Shape shape = first.shape();
  shape[ax] = 0;
  for (auto& a : arrays) {
    if (a.ndim() != first.ndim()) {
      throw ValueError("[concatenate] All the input arrays must have the same "
                       "number of dimensions.");
    }
    for (int i = 0; i < a.ndim(); ++i) {
      if (i != ax && a.shape()[i] != first.shape()[i]) {
        throw ValueError("[concatenate] All the input array dimensions must "
                         "match exactly except for the concatenation axis. "
                         "Got " + shape_str(first.shape()) + " and " +
                         shape_str(a.shape()) + ".");
      }
    }
    shape[ax] += a.shape()[ax];
  }
  Dtype t = result_type(arrays);
  std::vector<array> inputs;
  for (auto& a : arrays) inputs.push_back(astype(a, t, s));
  if (inputs.size() == 1) return inputs[0];
  return array(std::move(shape), t,
               std::make_shared<Concatenate>(to_stream(s), ax),
               std::move(inputs));
}

array concatenate(const std::vector<array>& arrays, StreamOrDevice s) {
  std::vector<array> flat;
  for (auto& a : arrays) flat.push_back(reshape(a, {-1}, s));
  return concatenate(flat, 0, s);
}

array stack(const std::vector<array>& arrays, int64_t axis, StreamOrDevice s) {
  if (arrays.empty()) throw ValueError("[stack] No arrays provided for stacking.");
  for (auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      throw ValueError("[stack] All arrays must have the same shape.");
    }
  }
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> expanded;
  for (auto& a : arrays) expanded.push_back(expand_dims(a, {ax}, s));
  return concatenate(expanded, ax, s);
}

std::vector<array> split(const array& a, const Shape& indices, int64_t axis,
                         StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  std::vector<array> out;
  Shape start(a.ndim(), 0), stop = a.shape(), strides(a.ndim(), 1);
  int64_t prev = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    int64_t next = i < indices.size() ? indices[i] : a.shape()[ax];
    if (next < 0) next += a.shape()[ax];
    start[ax] = prev;
    stop[ax] = std::max(prev, next);
    out.push_back(slice(a, start, stop, strides, s));
    prev = std::max(prev, std::min(next, a.shape()[ax]));
  }
  return out;
}

std::vector<array> split(const array& a, int64_t num_splits, int64_t axis,
                         StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  if (num_splits <= 0 || a.shape()[ax] % num_splits != 0) {
    throw ValueError("[split] Array split does not result in sub arrays with "
                     "equal size.");
  }
  int64_t step = a.shape()[ax] / num_splits;
  Shape indices;
  for (int64_t i = 1; i < num_splits; ++i) indices.push_back(i * step);
  return split(a, indices, ax, s);
}

Axes all_axes(const array& a) {
  Axes axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return axes;
}

}  // namespace ember
