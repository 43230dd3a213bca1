// Builders for dtype conversion, copies and array creation.
#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/autodiff.h"
#include "ops/copy.h"
#include "ops/ops.h"

namespace ember {

Stream to_stream(StreamOrDevice s) {
  if (auto st = std::get_if<Stream>(&s)) return *st;
  if (auto d = std::get_if<Device>(&s)) return default_stream(*d);
  return default_stream(default_device());
}

bool AsType::is_equivalent(const Primitive& o) const {
  auto* p = dynamic_cast<const AsType*>(&o);
  return p && p->dtype_ == dtype_;
}

array astype(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  return array(a.shape(), dtype, std::make_shared<AsType>(to_stream(s), dtype),
               {a});
}

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  Shape shape = a.shape();
  int ib = a.itemsize(), ob = dtype.size();
  if (ib != ob) {
    if (a.ndim() == 0 || (shape.back() * ib) % ob != 0) {
      throw ValueError(
          "[view] The last dimension must be divisible by the size ratio of "
          "the two dtypes.");
    }
    shape.back() = shape.back() * ib / ob;
  }
  return array(std::move(shape), dtype,
               std::make_shared<View>(to_stream(s), dtype), {a});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  return array(a.shape(), a.dtype(),
               std::make_shared<Copy>(to_stream(s), allow_col_major), {a});
}

Dtype result_type(const std::vector<array>& arrays) {
  Dtype t = bool_;
  for (auto& a : arrays) t = promote_types(t, a.dtype());
  return t;
}

array full(const Shape& shape, const array& vals, std::optional<Dtype> dtype,
           StreamOrDevice s) {
  Shape out = broadcast_shapes(vals.shape(), shape, "full");
  if (out != shape) {
    throw ValueError("[full] Value of shape " + shape_str(vals.shape()) +
                     " cannot be broadcast to " + shape_str(shape) + ".");
  }
  Dtype t = dtype.value_or(vals.dtype());
  array src = vals.size() == 1 ? vals : broadcast_to(vals, shape, s);
  return array(shape, t, std::make_shared<Full>(to_stream(s), shape, t), {src});
}

array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array::scalar(0, dtype), dtype, s);
}
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s) {
  return full(shape, array::scalar(1, dtype), dtype, s);
}
array zeros_like(const array& a, StreamOrDevice s) {
  return zeros(a.shape(), a.dtype(), s);
}
array ones_like(const array& a, StreamOrDevice s) {
  return ones(a.shape(), a.dtype(), s);
}

array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s) {
  if (dtype == bool_) {
    throw ValueError("[arange] Cannot compute length for bool dtype.");
  }
  if (step == 0) throw ValueError("[arange] Cannot use a step of 0.");
  if (std::isnan(start) || std::isnan(stop) || std::isnan(step)) {
    throw ValueError("[arange] Cannot compute length with NaN bounds.");
  }
  if (std::isinf(start) || std::isinf(stop)) {
    throw ValueError("[arange] Cannot compute length with infinite bounds.");
  }
  // An infinite step takes the start alone, when it lies toward the stop.
  double n = std::isinf(step) ? double((stop > start) == (step > 0))
                              : std::ceil((stop - start) / step);
  if (n > 9.0e15) throw ValueError("[arange] Maximum size exceeded.");
  int64_t len = std::max<int64_t>(0, static_cast<int64_t>(n));
  return array({len}, dtype, std::make_shared<Arange>(to_stream(s), start, step),
               {});
}

array linspace(double start, double stop, int64_t num, Dtype dtype,
               StreamOrDevice s) {
  if (num < 0) {
    throw ValueError("[linspace] num must be non-negative, got " +
                     std::to_string(num) + ".");
  }
  if (num == 1) return full({1}, array::scalar(start, dtype), dtype, s);
  Dtype ct = dtype == float64 ? float64 : float32;
  double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
  array t = arange(0, static_cast<double>(num), 1.0, ct, s);
  // start + i * step, with the last element exactly `stop`.
  array out = add(multiply(t, array::scalar(step, ct), s),
                  array::scalar(start, ct), s);
  if (num > 1) {
    array last = equal(t, array::scalar(static_cast<double>(num - 1), ct), s);
    out = where(last, array::scalar(stop, ct), out, s);
  }
  return astype(out, dtype, s);
}

array eye(int64_t n, int64_t m, int64_t k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) throw ValueError("[eye] N and M must be non-negative.");
  array rows = reshape(arange(0, n, 1, int64, s), {n, 1}, s);
  array cols = arange(0, m, 1, int64, s);
  return astype(equal(add(rows, array(k), s), cols, s), dtype, s);
}

array tri(int64_t n, int64_t m, int64_t k, Dtype dtype, StreamOrDevice s) {
  if (n < 0 || m < 0) throw ValueError("[tri] N and M must be non-negative.");
  array rows = reshape(arange(0, n, 1, int64, s), {n, 1}, s);
  array cols = arange(0, m, 1, int64, s);
  return astype(greater_equal(add(rows, array(k), s), cols, s), dtype, s);
}

}  // namespace ember

// ---- transform rules

namespace ember {

std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&, const std::vector<array>&) {
  return {astype(cotangents[0], primals[0].dtype(), stream())};
}
std::vector<array> AsType::jvp(const std::vector<array>&,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> AsType::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_, stream())}, {axes[0]}};
}

std::vector<array> Copy::vjp(const std::vector<array>&,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Copy::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Copy::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{contiguous(inputs[0], allow_col_, stream())}, {axes[0]}};
}

std::pair<std::vector<array>, std::vector<int>> View::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The byte reinterpretation works on the last axis; keep the batch off it.
  array x = inputs[0];
  int axis = axes[0];
  if (axis == x.ndim() - 1) {
    x = moveaxis(x, axis, 0, stream());
    axis = 0;
  }
  return {{view(x, dtype_, stream())}, {axis}};
}

std::vector<array> Full::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  const array& v = primals[0];
  return {astype(unbroadcast(cotangents[0], v.shape(), stream()), v.dtype(), stream())};
}
std::vector<array> Full::jvp(const std::vector<array>&,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {full(shape_, tangents[0], dtype_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Full::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array v = moveaxis(inputs[0], axes[0], 0, stream());
  Shape padded{v.shape()[0]};
  padded.insert(padded.end(), shape_.size() - (v.ndim() - 1), 1);
  padded.insert(padded.end(), v.shape().begin() + 1, v.shape().end());
  Shape shape{v.shape()[0]};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{full(shape, reshape(v, padded, stream()), dtype_, stream())}, {0}};
}

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies) {
  if (inputs.empty()) return {};
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& a : inputs) {
    shapes.push_back(a.shape());
    dtypes.push_back(a.dtype());
  }
  std::vector<array> all = inputs;
  all.insert(all.end(), dependencies.begin(), dependencies.end());
  return array::make_arrays(std::move(shapes), std::move(dtypes),
                            std::make_shared<Depends>(to_stream({}), inputs.size()),
                            std::move(all));
}

std::vector<array> Depends::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  std::vector<array> grads;
  for (int i : argnums) {
    grads.push_back(static_cast<size_t>(i) < n_ ? cotangents[i]
                                                : zeros_like(primals[i], stream()));
  }
  return grads;
}

std::vector<array> Depends::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  std::vector<array> out;
  for (size_t i = 0; i < n_; ++i) {
    auto it = std::find(argnums.begin(), argnums.end(), static_cast<int>(i));
    out.push_back(it != argnums.end() ? tangents[it - argnums.begin()]
                                      : zeros_like(primals[i], stream()));
  }
  return out;
}

std::pair<std::vector<array>, std::vector<int>> Depends::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> ins(inputs.begin(), inputs.begin() + n_);
  std::vector<array> deps(inputs.begin() + n_, inputs.end());
  return {depends(ins, deps), std::vector<int>(axes.begin(), axes.begin() + n_)};
}

}  // namespace ember

// ---- export

namespace ember {

void AsType::save(Writer& w) const {
  w.str("AsType");
  w.dtype(dtype_);
}
std::vector<Shape> AsType::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

void Copy::save(Writer& w) const {
  w.str("Copy");
  w.flag(allow_col_);
}
std::vector<Shape> Copy::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

void View::save(Writer& w) const {
  w.str("View");
  w.dtype(dtype_);
}
std::vector<Shape> View::output_shapes(const std::vector<array>& in) {
  Shape shape = in[0].shape();
  int from = in[0].itemsize(), to = dtype_.size();
  if (from != to) {
    if (shape.empty() || (shape.back() * from) % to != 0) {
      throw ValueError("[view] The last axis does not fit the new type.");
    }
    shape.back() = shape.back() * from / to;
  }
  return {shape};
}

void Full::save(Writer& w) const {
  w.str("Full");
  w.ints(shape_);
  w.dtype(dtype_);
}

void Arange::save(Writer& w) const {
  w.str("Arange");
  w.f64(start_);
  w.f64(step_);
}

void Depends::save(Writer& w) const {
  w.str("Depends");
  w.i64(static_cast<int64_t>(n_));
}
std::vector<Shape> Depends::output_shapes(const std::vector<array>& in) {
  std::vector<Shape> out;
  for (size_t i = 0; i < n_; ++i) out.push_back(in[i].shape());
  return out;
}

bool load_copy_family(const std::string& tag, Reader& r, const ReplayNode& node,
                      std::vector<array>& out) {
  Stream s = node.stream;
  if (tag == "AsType") {
    out = node.make(std::make_shared<AsType>(s, r.dtype()));
  } else if (tag == "Copy") {
    out = node.make(std::make_shared<Copy>(s, r.flag()));
  } else if (tag == "View") {
    out = node.make(std::make_shared<View>(s, r.dtype()));
  } else if (tag == "Full") {
    Shape shape = r.ints();
    Dtype t = r.dtype();
    out = node.make(std::make_shared<Full>(s, shape, t));
  } else if (tag == "Arange") {
    double start = r.f64();
    double step = r.f64();
    out = node.make(std::make_shared<Arange>(s, start, step));
  } else if (tag == "Depends") {
    int64_t n = r.bounded(0, static_cast<int64_t>(node.inputs.size()));
    out = node.make(std::make_shared<Depends>(s, static_cast<size_t>(n)));
  } else {
    return false;
  }
  return true;
}

}  // namespace ember
