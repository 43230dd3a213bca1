// Shape builders: reshape, transpose, squeeze/expand, broadcast, slice,
// concatenate and the ops composed from them.
#include <algorithm>
#include <numeric>

#include "core/errors.h"
#include "ops/ops.h"
#include "ops/autodiff.h"
#include "ops/shape.h"
#include "transforms/compile.h"

namespace ember {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  // In a shapeless trace a shape with -1 becomes the rule (the -1 follows
  // new sizes). Fixed shapes keep no rule: internal reshapes (vmap and
  // gradient rules) use them, and a new input shape then traces again.
  std::optional<ReshapeRule> rule;
  if (in_shapeless_trace() && std::count(shape.begin(), shape.end(), -1) > 0) {
    rule.emplace().size = shape;
  }
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
  return reshape_with_rule(a, std::move(shape), std::move(rule), s);
}

array reshape_with_rule(const array& a, Shape shape, std::optional<ReshapeRule> rule,
                        StreamOrDevice s) {
  if (rule && in_shapeless_trace()) {
    rule->from.resize(rule->size.size(), -1);
    rule->to.resize(rule->size.size(), -1);
  } else if (shape == a.shape()) {
    // Not elided in a shapeless trace: the rule may change the shape later.
    return a;
  }
  Shape params = shape;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Reshape>(to_stream(s), std::move(params),
                                         in_shapeless_trace() ? std::move(rule) : std::nullopt),
               {a});
}

namespace {

// The rule to fill, or nullptr outside a shapeless trace, where rules are
// not kept (so eager reshapes build none).
ReshapeRule* traced(std::optional<ReshapeRule>& r) {
  if (in_shapeless_trace()) return &r.emplace();
  return nullptr;
}

// Output dimension: the product of input dimensions [from, to).
void product_dim(ReshapeRule* r, int from, int to) {
  if (!r) return;
  r->size.push_back(0);
  r->from.push_back(from);
  r->to.push_back(to);
}
void copy_dim(ReshapeRule* r, int i) { product_dim(r, i, i + 1); }
void fixed_dim(ReshapeRule* r, int64_t size) {
  if (!r) return;
  r->size.push_back(size);
  r->from.push_back(-1);
  r->to.push_back(-1);
}

}  // namespace

array flatten(const array& a, int64_t start_axis, int64_t end_axis,
              StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  // MLX's rule: negative axes count from the end, then the range is
  // clipped to the array's axes; an empty range is an error.
  int64_t nd = a.ndim();
  int64_t lo = start_axis < 0 ? start_axis + nd : start_axis;
  int64_t hi = end_axis < 0 ? end_axis + nd : end_axis;
  if (lo <= hi) lo = std::max<int64_t>(lo, 0), hi = std::min<int64_t>(hi, nd - 1);
  if (lo > hi) {
    throw ValueError("[flatten] start_axis must be less than or equal to "
                     "end_axis.");
  }
  int b = static_cast<int>(lo), e = static_cast<int>(hi);
  Shape shape(a.shape().begin(), a.shape().begin() + b);
  std::optional<ReshapeRule> rule;
  ReshapeRule* r = traced(rule);
  for (int i = 0; i < b; ++i) copy_dim(r, i);
  int64_t n = 1;
  for (int i = b; i <= e; ++i) n *= a.shape()[i];
  shape.push_back(n);
  product_dim(r, b, e + 1);
  shape.insert(shape.end(), a.shape().begin() + e + 1, a.shape().end());
  for (int i = e + 1; i < a.ndim(); ++i) copy_dim(r, i);
  return reshape_with_rule(a, std::move(shape), std::move(rule), s);
}

array unflatten(const array& a, int64_t axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) {
    throw ValueError("[unflatten] The new shape must not be empty.");
  }
  int ax = normalize_axis(axis, a.ndim(), "unflatten");
  std::optional<ReshapeRule> rule;
  ReshapeRule* r = traced(rule);
  for (int i = 0; i < ax; ++i) copy_dim(r, i);
  for (int64_t d : shape) fixed_dim(r, d);
  for (int i = ax + 1; i < a.ndim(); ++i) copy_dim(r, i);
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
  return reshape_with_rule(a, std::move(out), std::move(rule), s);
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
  std::optional<ReshapeRule> rule;
  ReshapeRule* r = traced(rule);
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
      copy_dim(r, i);
    }
  }
  return reshape_with_rule(a, std::move(shape), std::move(rule), s);
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
  std::optional<ReshapeRule> rule;
  ReshapeRule* r = traced(rule);
  size_t j = 0;
  int k = 0;
  for (int i = 0; i < out_ndim; ++i) {
    if (j < ax.size() && ax[j] == i) {
      shape.push_back(1);
      fixed_dim(r, 1);
      ++j;
    } else {
      copy_dim(r, k);
      shape.push_back(a.shape()[k++]);
    }
  }
  return reshape_with_rule(a, std::move(shape), std::move(rule), s);
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

Shape broadcast_batch_shape(const Shape& x, const Shape& other) {
  if (x.size() < 2 || other.size() < 2) {
    throw ValueError("[broadcast_batch] Both inputs need at least 2 dimensions.");
  }
  Shape out = broadcast_shapes(Shape(x.begin(), x.end() - 2),
                               Shape(other.begin(), other.end() - 2), "matmul");
  out.insert(out.end(), x.end() - 2, x.end());
  return out;
}

array broadcast_batch(const array& x, const array& other, StreamOrDevice s) {
  Shape shape = broadcast_batch_shape(x.shape(), other.shape());
  // Kept in a shapeless trace: other shapes may need the broadcast.
  if (shape == x.shape() && !in_shapeless_trace()) return x;
  return array(std::move(shape), x.dtype(),
               std::make_shared<BroadcastBatch>(to_stream(s)), {x, other});
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
  Shape out_shape = shape;
  return array(std::move(shape), a.dtype(),
               std::make_shared<Slice>(to_stream(s), std::move(start),
                                       std::move(strides), std::move(out_shape)),
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

array as_strided(const array& a, Shape shape, Strides strides, int64_t offset,
                 StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    throw ValueError("[as_strided] shape and strides must have the same length.");
  }
  int64_t n = shape_size(shape, "as_strided");
  // Every reachable element must lie inside the input.
  int64_t lo = offset, hi = offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0) continue;
    int64_t span = (shape[i] - 1) * strides[i];
    (span < 0 ? lo : hi) += span;
  }
  if (n > 0 && (lo < 0 || hi >= a.size())) {
    throw ValueError("[as_strided] The view reaches elements " + str(lo) + " to " +
                     str(hi) + " outside an array of size " + str(a.size()) + ".");
  }
  return array(std::move(shape), a.dtype(),
               std::make_shared<AsStrided>(to_stream(s), std::move(strides), offset),
               {a});
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
    if (__builtin_add_overflow(shape[ax], a.shape()[ax], &shape[ax])) {
      throw ValueError("[concatenate] The concatenated axis would have more "
                       "elements than fit in 64 bits.");
    }
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

// ---- transform rules

namespace ember {

namespace {

// x with its batch axis first (a no-op for axis 0).
array batch_first(const array& x, int axis, Stream s) {
  return axis == 0 ? x : moveaxis(x, axis, 0, s);
}

// x batched first with batch size n: unbatched inputs are broadcast.
array batch_first_or_broadcast(const array& x, int axis, int64_t n, Stream s) {
  if (axis >= 0) return batch_first(x, axis, s);
  Shape shape = x.shape();
  shape.insert(shape.begin(), n);
  return broadcast_to(expand_dims(x, {0}, s), shape, s);
}

template <typename T>
std::vector<T> prepend(T first, const std::vector<T>& rest) {
  std::vector<T> v{first};
  v.insert(v.end(), rest.begin(), rest.end());
  return v;
}

}  // namespace

std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Reshape::jvp(const std::vector<array>&,
                                const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Reshape::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = batch_first(inputs[0], axes[0], stream());
  std::optional<ReshapeRule> rule;
  if (rule_) {
    // The batch axis is copied through; the other dimensions shift by one.
    rule.emplace();
    rule->size.push_back(0);
    rule->from.push_back(0);
    rule->to.push_back(1);
    for (size_t i = 0; i < rule_->size.size(); ++i) {
      bool copied = rule_->from[i] >= 0;
      rule->size.push_back(rule_->size[i]);
      rule->from.push_back(copied ? rule_->from[i] + 1 : -1);
      rule->to.push_back(copied ? rule_->to[i] + 1 : -1);
    }
  }
  return {{reshape_with_rule(x, prepend(x.shape()[0], shape_), std::move(rule), stream())},
          {0}};
}

std::vector<array> Transpose::vjp(const std::vector<array>&,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  std::vector<int64_t> inverse(perm_.size());
  for (size_t i = 0; i < perm_.size(); ++i) inverse[perm_[i]] = static_cast<int64_t>(i);
  return {transpose(cotangents[0], inverse, stream())};
}
std::vector<array> Transpose::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], perm_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Transpose::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = batch_first(inputs[0], axes[0], stream());
  std::vector<int64_t> perm{0};
  for (auto p : perm_) perm.push_back(p + 1);
  return {{transpose(x, perm, stream())}, {0}};
}

std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {unbroadcast(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Broadcast::jvp(const std::vector<array>&,
                                  const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Broadcast::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = batch_first(inputs[0], axes[0], stream());
  // Pad the unbatched part to the target rank, right-aligned.
  Shape padded{x.shape()[0]};
  padded.insert(padded.end(), shape_.size() - (x.ndim() - 1), 1);
  padded.insert(padded.end(), x.shape().begin() + 1, x.shape().end());
  return {{broadcast_to(reshape(x, padded, stream()), prepend(x.shape()[0], shape_),
                        stream())},
          {0}};
}

std::vector<array> BroadcastBatch::vjp(const std::vector<array>& primals,
                                       const std::vector<array>& cotangents,
                                       const std::vector<int>& argnums,
                                       const std::vector<array>&) {
  // The other array only sets the shape: nothing flows back to it.
  std::vector<array> grads;
  for (int i : argnums) {
    grads.push_back(i == 0 ? unbroadcast(cotangents[0], primals[0].shape(), stream())
                           : array());
  }
  return grads;
}
std::vector<array> BroadcastBatch::jvp(const std::vector<array>& primals,
                                       const std::vector<array>& tangents,
                                       const std::vector<int>& argnums) {
  for (size_t i = 0; i < argnums.size(); ++i) {
    if (argnums[i] == 0) return {broadcast_batch(tangents[i], primals[1], stream())};
  }
  return {zeros(broadcast_batch_shape(primals[0].shape(), primals[1].shape()),
                primals[0].dtype(), stream())};
}
std::pair<std::vector<array>, std::vector<int>> BroadcastBatch::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Both get the vmapped axis first (size 1 where unbatched) and the same
  // number of batch dimensions, so the broadcast lines the axes up.
  auto rank = [&](int i) { return inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0); };
  int r = std::max(rank(0), rank(1));
  std::vector<array> lined;
  for (int i = 0; i < 2; ++i) {
    array v = axes[i] >= 0 ? batch_first(inputs[i], axes[i], stream())
                           : expand_dims(inputs[i], {0}, stream());
    // expand_dims keeps a shapeless compile able to follow new shapes.
    Axes ones;
    for (int k = 0; k < r - rank(i); ++k) ones.push_back(k + 1);
    lined.push_back(ones.empty() ? v : expand_dims(v, ones, stream()));
  }
  return {{broadcast_batch(lined[0], lined[1], stream())}, {0}};
}

std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>&, const std::vector<array>&) {
  const array& x = primals[0];
  const array& g = cotangents[0];
  return {array(x.shape(), g.dtype(),
                std::make_shared<SliceUpdate>(stream(), start_, strides_),
                {zeros(x.shape(), g.dtype(), stream()), g})};
}
std::vector<array> Slice::jvp(const std::vector<array>&,
                              const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {array(shape_, tangents[0].dtype(),
                std::make_shared<Slice>(stream(), start_, strides_, shape_),
                {tangents[0]})};
}
std::pair<std::vector<array>, std::vector<int>> Slice::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = batch_first(inputs[0], axes[0], stream());
  Shape shape = prepend(x.shape()[0], shape_);
  return {{array(shape, x.dtype(),
                 std::make_shared<Slice>(stream(), prepend<int64_t>(0, start_),
                                         prepend<int64_t>(1, strides_), shape),
                 {x})},
          {0}};
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const array& g = cotangents[0];
  const array& upd = primals[1];
  std::vector<array> grads;
  for (int i : argnums) {
    if (i == 0) {
      grads.push_back(array(g.shape(), g.dtype(),
                            std::make_shared<SliceUpdate>(stream(), start_, strides_),
                            {g, zeros(upd.shape(), g.dtype(), stream())}));
    } else {
      grads.push_back(array(upd.shape(), g.dtype(),
                            std::make_shared<Slice>(stream(), start_, strides_,
                                                    upd.shape()),
                            {g}));
    }
  }
  return grads;
}
std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  array ts = zeros_like(primals[0], stream()), tu = zeros_like(primals[1], stream());
  for (size_t k = 0; k < argnums.size(); ++k) (argnums[k] == 0 ? ts : tu) = tangents[k];
  tu = astype(tu, ts.dtype(), stream());
  return {array(ts.shape(), ts.dtype(),
                std::make_shared<SliceUpdate>(stream(), start_, strides_), {ts, tu})};
}
std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int64_t n = batch_size(inputs, axes);
  array src = batch_first_or_broadcast(inputs[0], axes[0], n, stream());
  array upd = batch_first_or_broadcast(inputs[1], axes[1], n, stream());
  // An unbatched source must become a real per-batch copy before updating.
  if (axes[0] < 0) src = contiguous(src, false, stream());
  return {{array(src.shape(), src.dtype(),
                 std::make_shared<SliceUpdate>(stream(), prepend<int64_t>(0, start_),
                                               prepend<int64_t>(1, strides_)),
                 {src, upd})},
          {0}};
}

std::vector<array> Concatenate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>&) {
  const array& g = cotangents[0];
  std::vector<int64_t> offsets{0};
  for (auto& p : primals) offsets.push_back(offsets.back() + p.shape()[axis_]);
  std::vector<array> grads;
  for (int i : argnums) {
    Shape start(g.ndim(), 0), stop = g.shape(), step(g.ndim(), 1);
    start[axis_] = offsets[i];
    stop[axis_] = offsets[i + 1];
    grads.push_back(slice(g, start, stop, step, stream()));
  }
  return grads;
}
std::vector<array> Concatenate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  std::vector<array> ts;
  for (auto& p : primals) ts.push_back(zeros_like(p, stream()));
  for (size_t k = 0; k < argnums.size(); ++k) ts[argnums[k]] = tangents[k];
  return {concatenate(ts, axis_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Concatenate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  int64_t n = batch_size(inputs, axes);
  std::vector<array> xs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    xs.push_back(batch_first_or_broadcast(inputs[i], axes[i], n, stream()));
  }
  return {{concatenate(xs, axis_ + 1, stream())}, {0}};
}

array pad_constant(const array& x, const Shape& lo, const Shape& hi, const array& value,
                   StreamOrDevice s) {
  Shape shape = x.shape();
  for (int i = 0; i < x.ndim(); ++i) {
    // Checked: widths near INT64_MAX would wrap to a small, wrong size.
    if (lo[i] < 0 || hi[i] < 0 || __builtin_add_overflow(shape[i], lo[i], &shape[i]) ||
        __builtin_add_overflow(shape[i], hi[i], &shape[i])) {
      throw ValueError("[pad] Pad widths (" + std::to_string(lo[i]) + ", " +
                       std::to_string(hi[i]) + ") do not fit axis " + std::to_string(i) +
                       ".");
    }
  }
  array v = astype(value, x.dtype(), s);
  return array(shape, x.dtype(), std::make_shared<Pad>(to_stream(s), lo, hi), {x, v});
}

std::vector<array> Pad::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums, const std::vector<array>&) {
  const array& x = primals[0];
  const array& g = cotangents[0];
  Shape stop(x.ndim()), step(x.ndim(), 1);
  for (int i = 0; i < x.ndim(); ++i) stop[i] = lo_[i] + x.shape()[i];
  array inner = slice(g, lo_, stop, step, stream());
  std::vector<array> grads;
  for (int i : argnums) {
    if (i == 0) {
      grads.push_back(inner);
    } else {
      // The value fills every element outside the interior.
      Axes all;
      for (int a = 0; a < g.ndim(); ++a) all.push_back(a);
      array border = subtract(sum(g, all, false, stream()), sum(inner, all, false, stream()),
                              stream());
      grads.push_back(reshape(border, primals[1].shape(), stream()));
    }
  }
  return grads;
}

std::vector<array> Pad::jvp(const std::vector<array>& primals,
                            const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  array tx = zeros_like(primals[0], stream());
  array tv = zeros_like(primals[1], stream());
  for (size_t k = 0; k < argnums.size(); ++k) {
    (argnums[k] == 0 ? tx : tv) = tangents[k];
  }
  return {pad_constant(tx, lo_, hi_, tv, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Pad::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (axes[1] >= 0) {
    throw ValueError("[pad] vmap over the pad value is not supported.");
  }
  array x = batch_first(inputs[0], axes[0], stream());
  return {{pad_constant(x, prepend<int64_t>(0, lo_), prepend<int64_t>(0, hi_), inputs[1],
                        stream())},
          {0}};
}

}  // namespace ember
