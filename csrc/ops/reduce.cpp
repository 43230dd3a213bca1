// Reduction builders. The Reduce primitive keeps reduced axes as size-1
// dimensions; keepdims=False squeezes them afterwards (a free view).
#include "ops/reduce.h"
#include "ops/scan.h"

#include "ops/autodiff.h"

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/ops.h"
#include "transforms/compile.h"

namespace ember {

const char* Reduce::name() const {
  constexpr const char* names[] = {"Sum", "Prod", "Max", "Min", "All", "Any"};
  return names[kind_];
}

namespace {

array reduce(const array& a, const Axes& axes, bool keepdims, Reduce::Kind kind,
             Dtype out_type, const char* name, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), name);
  Shape shape = a.shape();
  for (int i : ax) {
    if ((kind == Reduce::Max || kind == Reduce::Min) && shape[i] == 0) {
      throw ValueError(std::string("[") + name +
                       "] Cannot reduce a zero-size array over an axis "
                       "without an identity.");
    }
    shape[i] = 1;
  }
  array out = ax.empty() && out_type == a.dtype()
                  ? a
                  : array(shape, out_type,
                          std::make_shared<Reduce>(to_stream(s), kind, ax),
                          {a});
  if (keepdims || ax.empty()) return out;
  return squeeze(out, Axes(ax.begin(), ax.end()), s);
}


}  // namespace

Dtype sum_dtype(Dtype t) {
  if (t == bool_) return int32;
  if (issubdtype(t, DtypeCategory::signedinteger)) {
    return t.size() <= 4 ? int32 : int64;
  }
  if (issubdtype(t, DtypeCategory::unsignedinteger)) {
    return t.size() <= 4 ? uint32 : uint64;
  }
  return t;
}

array sum(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Sum, sum_dtype(a.dtype()),
                "sum", s);
}
array prod(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Prod, sum_dtype(a.dtype()),
                "prod", s);
}
array max(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Max, a.dtype(), "max", s);
}
array min(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Min, a.dtype(), "min", s);
}
array all(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::And, bool_, "all", s);
}
array any(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  return reduce(a, axes, keepdims, Reduce::Or, bool_, "any", s);
}

namespace {

// 1 / (elements along axes - ddof) as a scalar of dtype t: a constant, or
// inside a shapeless compile trace an op that follows the input's shape.
array inverse_count(const array& a, const std::vector<int>& ax, int ddof, Dtype t,
                    StreamOrDevice s) {
  if (in_shapeless_trace()) {
    array n({}, t, std::make_shared<NumberOfElements>(to_stream(s), ax, false, t), {a});
    if (ddof != 0) n = maximum(subtract(n, array::scalar(ddof, t), s), array::scalar(0, t), s);
    return reciprocal(n, s);
  }
  int64_t n = 1;
  for (int i : ax) n *= a.shape()[i];
  double denom = std::max<double>(static_cast<double>(n - ddof), 0.0);
  return array::scalar(1.0 / denom, t);
}

}  // namespace

array mean(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "mean");
  Dtype t = is_inexact(a.dtype()) ? a.dtype() : float32;
  array total = sum(astype(a, t, s), axes, keepdims, s);
  return multiply(total, inverse_count(a, ax, 0, t, s), s);
}

array var(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "var");
  Dtype t = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, t, s);
  // Two passes (subtract the mean first) for accuracy.
  array centered = subtract(x, mean(x, axes, true, s), s);
  // |x - mean|^2: real, also for complex input.
  array sq = is_complex(t) ? real(multiply(centered, conjugate(centered, s), s), s)
                           : square(centered, s);
  array total = sum(sq, axes, keepdims, s);
  return multiply(total, inverse_count(a, ax, ddof, total.dtype(), s), s);
}

array std(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}

array logsumexp(const array& a, const Axes& axes, bool keepdims,
                StreamOrDevice s) {
  if (a.size() == 0) {
    throw ValueError("[logsumexp] Received an empty array.");
  }
  Dtype t = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, t, s);
  array m = stop_gradient(max(x, axes, true, s), s);
  // An all -inf (or inf) slice must not produce NaN from inf - inf.
  m = where(isinf(m, s), zeros_like(m, s), m, s);
  array out = add(log(sum(exp(subtract(x, m, s), s), axes, true, s), s), m, s);
  if (keepdims) return out;
  return squeeze(out, axes, s);
}

array softmax(const array& a, const Axes& axes, bool precise,
              StreamOrDevice s) {
  Dtype t = is_inexact(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, t, s);
  if (axes.size() == 1 && t != complex64) {
    // One axis: the fused kernel (which computes half types in float32,
    // as `precise` asks; without it the result is only more accurate).
    int ax = normalize_axis(axes[0], x.ndim(), "softmax");
    return array(x.shape(), t, std::make_shared<Softmax>(to_stream(s), ax), {x});
  }
  bool upcast = precise && (t == float16 || t == bfloat16);
  if (upcast) x = astype(x, float32, s);
  array m = stop_gradient(max(x, axes, true, s), s);
  array e = exp(subtract(x, m, s), s);
  array out = divide(e, sum(e, axes, true, s), s);
  return upcast ? astype(out, t, s) : out;
}

namespace {

array arg_reduce(const array& a, std::optional<int64_t> axis, bool keepdims,
                 ArgReduce::Kind kind, const char* name, StreamOrDevice s) {
  if (!axis) {
    array flat = reshape(a, {-1}, s);
    array out = arg_reduce(flat, 0, keepdims, kind, name, s);
    if (keepdims) out = reshape(out, Shape(a.ndim(), 1), s);
    return out;
  }
  int ax = normalize_axis(*axis, a.ndim(), name);
  if (a.shape()[ax] == 0) {
    throw ValueError(std::string("[") + name +
                     "] Cannot reduce over an empty axis.");
  }
  Shape shape = a.shape();
  shape[ax] = 1;
  array out(shape, uint32, std::make_shared<ArgReduce>(to_stream(s), kind, ax),
            {a});
  return keepdims ? out : squeeze(out, {ax}, s);
}

}  // namespace

array argmax(const array& a, std::optional<int64_t> axis, bool keepdims,
             StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmin(const array& a, std::optional<int64_t> axis, bool keepdims,
             StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMin, "argmin", s);
}

}  // namespace ember

// ---- transform rules

namespace ember {

namespace {

Axes to_axes(const std::vector<int>& axes) { return Axes(axes.begin(), axes.end()); }

// d prod / d x_i: the product of the other elements, as the product of the
// exclusive running products from both ends (no division, so zeros need no
// special case, and two elements give each other exactly). Several reduced
// axes are first moved last and merged into one.
array prod_derivative(const array& x, const std::vector<int>& axes, Stream s) {
  if (axes.empty()) return ones_like(x, s);
  auto others_product = [&](const array& v, int64_t ax) {
    return multiply(cumprod(v, ax, false, false, s), cumprod(v, ax, true, false, s), s);
  };
  if (axes.size() == 1) return others_product(x, axes[0]);
  std::vector<int64_t> perm;
  std::vector<bool> reduced(x.ndim(), false);
  for (int a : axes) reduced[a] = true;
  Shape merged;
  int64_t n = 1;
  for (int i = 0; i < x.ndim(); ++i) {
    if (!reduced[i]) perm.push_back(i), merged.push_back(x.shape()[i]);
  }
  for (int a : axes) perm.push_back(a), n *= x.shape()[a];
  array moved = transpose(x, perm, s);
  merged.push_back(n);
  array d = reshape(others_product(reshape(moved, merged, s), -1), moved.shape(), s);
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = static_cast<int64_t>(i);
  return transpose(d, inverse, s);
}

// Where x attains the reduced extreme y, weighted so ties share equally.
array extreme_weights(const array& x, const array& y, const std::vector<int>& axes,
                      Stream s) {
  array mask = astype(equal(x, y, s), x.dtype(), s);
  return divide(mask, sum(mask, to_axes(axes), true, s), s);
}

}  // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>&,
                               const std::vector<array>& outputs) {
  const array& x = primals[0];
  array g = cotangents[0];
  Stream s = stream();
  switch (kind_) {
    case Sum:
      return {astype(broadcast_to(g, x.shape(), s), x.dtype(), s)};
    case Prod:
    {
      // Complex pullbacks use the conjugate derivative.
      array d = prod_derivative(x, axes_, s);
      if (is_complex(d.dtype())) d = conjugate(d, s);
      return {multiply(broadcast_to(g, x.shape(), s), d, s)};
    }
    case Max:
    case Min:
      return {multiply(g, extreme_weights(x, outputs[0], axes_, s), s)};
    default:
      return {zeros_like(x, s)};
  }
}

std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>&) {
  const array& x = primals[0];
  const array& t = tangents[0];
  Stream s = stream();
  Axes ax = to_axes(axes_);
  switch (kind_) {
    case Sum:
      return {sum(t, ax, true, s)};
    case Prod:
      return {sum(multiply(t, prod_derivative(x, axes_, s), s), ax, true, s)};
    case Max:
    case Min: {
      array y = kind_ == Max ? max(x, ax, true, s) : min(x, ax, true, s);
      return {sum(multiply(t, extreme_weights(x, y, axes_, s), s), ax, true, s)};
    }
    default: {
      Shape shape = x.shape();
      for (int a : axes_) shape[a] = 1;
      return {zeros(shape, bool_, s)};
    }
  }
}

std::pair<std::vector<array>, std::vector<int>> Reduce::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  Axes ax;
  for (int a : axes_) ax.push_back(a + 1);
  using Fn = array (*)(const array&, const Axes&, bool, StreamOrDevice);
  constexpr Fn fns[] = {sum, prod, max, min, all, any};
  return {{fns[kind_](x, ax, true, stream())}, {0}};
}

std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals,
                                         const std::vector<array>&, const std::vector<int>&,
                                         const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros({}, dtype_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> NumberOfElements::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // The count is the same for every batch element: skip the batch axis.
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(axes[0] >= 0 && a >= axes[0] ? a + 1 : a);
  array out({}, dtype_, std::make_shared<NumberOfElements>(stream(), shifted, inverted_, dtype_),
            {inputs[0]});
  return {{out}, {-1}};
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals,
                                  const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> ArgReduce::jvp(const std::vector<array>& primals,
                                  const std::vector<array>&, const std::vector<int>&) {
  Shape shape = primals[0].shape();
  shape[axis_] = 1;
  return {zeros(shape, uint32, stream())};
}

std::pair<std::vector<array>, std::vector<int>> ArgReduce::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  array out = kind_ == ArgMax ? argmax(x, axis_ + 1, true, stream())
                              : argmin(x, axis_ + 1, true, stream());
  return {{out}, {0}};
}

// y = softmax(x): dx = y * (g - sum(g * y)) along the axis.
std::vector<array> Softmax::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                const std::vector<int>&, const std::vector<array>& outputs) {
  const array& y = outputs[0];
  array gy = multiply(cotangents[0], y, stream());
  return {subtract(gy, multiply(y, sum(gy, {axis_}, true, stream()), stream()), stream())};
}

std::vector<array> Softmax::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents, const std::vector<int>&) {
  array y = softmax(primals[0], {axis_}, true, stream());
  array ty = multiply(tangents[0], y, stream());
  return {subtract(ty, multiply(y, sum(ty, {axis_}, true, stream()), stream()), stream())};
}

std::pair<std::vector<array>, std::vector<int>> Softmax::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  return {{softmax(x, {axis_ + 1}, true, stream())}, {0}};
}

}  // namespace ember

// ---- export

namespace ember {

void Reduce::save(Writer& w) const {
  w.str("Reduce");
  w.i64(kind_);
  w.ints(axes_);
}
std::vector<Shape> Reduce::output_shapes(const std::vector<array>& in) {
  Shape out = in[0].shape();
  for (int a : axes_) out[a] = 1;
  return {out};
}

void ArgReduce::save(Writer& w) const {
  w.str("ArgReduce");
  w.i64(kind_);
  w.i64(axis_);
}

void Softmax::save(Writer& w) const {
  w.str("Softmax");
  w.i64(axis_);
}

bool load_reduce(const std::string& tag, Reader& r, const ReplayNode& node,
                 std::vector<array>& out) {
  if (tag != "Reduce" && tag != "ArgReduce" && tag != "Softmax") return false;
  if (node.inputs.size() != 1) Reader::corrupt();
  int ndim = node.inputs[0].ndim();
  if (tag == "Softmax") {
    if (ndim == 0 || !is_inexact(node.inputs[0].dtype()) || node.inputs[0].dtype() == complex64) {
      Reader::corrupt();
    }
    int axis = static_cast<int>(r.bounded(0, ndim - 1));
    out = node.make(std::make_shared<Softmax>(node.stream, axis));
  } else if (tag == "Reduce") {
    auto kind = static_cast<Reduce::Kind>(r.bounded(Reduce::Sum, Reduce::Or));
    auto axes = r.ints<int>();
    for (int a : axes) {
      if (a < 0 || a >= ndim) Reader::corrupt();
    }
    out = node.make(std::make_shared<Reduce>(node.stream, kind, axes));
  } else {
    auto kind = static_cast<ArgReduce::Kind>(r.bounded(ArgReduce::ArgMin, ArgReduce::ArgMax));
    int axis = static_cast<int>(r.bounded(0, std::max(ndim - 1, 0)));
    out = node.make(std::make_shared<ArgReduce>(node.stream, kind, axis));
  }
  return true;
}

}  // namespace ember
