// Builders and transform rules of scans and sorting. sort is argsort
// followed by a gather, so its gradient and batching come from Gather.
#include "ops/scan.h"

#include "core/errors.h"
#include "ops/arrange.h"
#include "ops/autodiff.h"
#include "ops/indexing.h"

namespace ember {

const char* Scan::name() const {
  constexpr const char* names[] = {"CumSum", "CumProd", "CumMax", "CumMin",
                                   "CumLogSumExp"};
  return names[kind_];
}

namespace {

array scan(const array& a, int64_t axis, bool reverse, bool inclusive,
           Scan::Kind kind, const char* name, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw ValueError(std::string("[") + name + "] Needs at least one dimension.");
  }
  int ax = normalize_axis(axis, a.ndim(), name);
  Dtype t = a.dtype();
  if (kind == Scan::Sum || kind == Scan::Prod) {
    t = sum_dtype(t);
  } else if (kind == Scan::LogAddExp && !is_inexact(t)) {
    t = float32;
  }
  return array(a.shape(), t,
               std::make_shared<Scan>(to_stream(s), kind, ax, reverse, inclusive),
               {astype(a, t, s)});
}

}  // namespace

array cumsum(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Sum, "cumsum", s);
}
array cumprod(const array& a, int64_t axis, bool reverse, bool inclusive,
              StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Prod, "cumprod", s);
}
array cummax(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Max, "cummax", s);
}
array cummin(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Min, "cummin", s);
}
array logcumsumexp(const array& a, int64_t axis, bool reverse, bool inclusive,
                   StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::LogAddExp, "logcumsumexp", s);
}

array argsort(const array& a, int64_t axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[argsort] Needs at least one dimension.");
  int ax = normalize_axis(axis, a.ndim(), "argsort");
  return array(a.shape(), uint32, std::make_shared<ArgSort>(to_stream(s), ax), {a});
}

array sort(const array& a, int64_t axis, StreamOrDevice s) {
  // The order is a constant for differentiation: gradients flow through
  // the gather only.
  return take_along_axis(a, stop_gradient(argsort(a, axis, s), s), axis, s);
}

array topk(const array& a, int64_t k, int64_t axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[topk] Needs at least one dimension.");
  int ax = normalize_axis(axis, a.ndim(), "topk");
  int64_t n = a.shape()[ax];
  if (k < 0 || k > n) {
    throw ValueError("[topk] k=" + std::to_string(k) + " must be in [0, " +
                     std::to_string(n) + "].");
  }
  array sorted = sort(a, ax, s);
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  start[ax] = n - k;
  return slice(sorted, start, stop, step, s);
}

// ---- transform rules

std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents,
                             const std::vector<int>&,
                             const std::vector<array>& outputs) {
  const array& x = primals[0];
  const array& g = cotangents[0];
  const array& y = outputs[0];
  Stream s = stream();
  switch (kind_) {
    case Sum:
      return {cumsum(g, axis_, !reverse_, inclusive_, s)};
    case Prod:
      return {cumprod_vjp(x, g, s)};
    case LogAddExp: {
      // d y_j / d x_i = exp(x_i - y_j) within the prefix.
      array gy = cumsum(multiply(g, exp(negative(y, s), s), s), axis_, !reverse_,
                        inclusive_, s);
      return {multiply(gy, exp(x, s), s)};
    }
    default: {
      auto [src, gg] = extreme_sources(x, g, s);
      return {scatter_along_axis(zeros_like(x, s), src, gg, axis_, Scatter::Add, s)};
    }
  }
}

std::pair<array, array> Scan::extreme_sources(const array& x, const array& per_output,
                                              Stream s) const {
  // Each output copies one input: the position (latest, in scan order)
  // where the running extreme was attained.
  int64_t n = x.shape()[axis_];
  Shape sh(x.ndim(), 1);
  sh[axis_] = n;
  array pos = broadcast_to(reshape(arange(0, n, 1, int64, s), sh, s), x.shape(), s);
  array incl = array(x.shape(), x.dtype(),
                     std::make_shared<Scan>(s, kind_, axis_, reverse_, true), {x});
  array fill = array::scalar(reverse_ ? static_cast<double>(n) : -1.0, int64);
  array marked = where(equal(x, incl, s), pos, fill, s);
  array src = stop_gradient(reverse_ ? cummin(marked, axis_, true, true, s)
                                     : cummax(marked, axis_, false, true, s),
                            s);
  array vals = per_output;
  if (!inclusive_ && n > 0) {
    // Exclusive output j is the inclusive result one step earlier in scan
    // order; the first output (the identity) has no source.
    Shape a0(x.ndim(), 0), a1 = x.shape(), b0(x.ndim(), 0), b1 = x.shape();
    Shape st(x.ndim(), 1);
    if (reverse_) {
      a0[axis_] = 1;
      b1[axis_] = n - 1;
    } else {
      a1[axis_] = n - 1;
      b0[axis_] = 1;
    }
    src = slice(src, a0, a1, st, s);
    vals = slice(per_output, b0, b1, st, s);
  }
  return {src, vals};
}

array Scan::cumprod_vjp(const array& x_in, const array& g_in, Stream s) const {
  // Work on a forward, inclusive scan: flip reversed ones, and turn an
  // exclusive one into an inclusive one with the cotangent shifted by one.
  int64_t n = x_in.shape()[axis_];
  auto flip_axis = [&](const array& a) { return reverse_ ? flip(a, Axes{axis_}, s) : a; };
  array x = flip_axis(x_in), g = flip_axis(g_in);
  // Complex pullbacks use conj of the derivative: products of conj(x).
  if (is_complex(x.dtype())) x = conjugate(x, s);
  if (!inclusive_ && n > 0) {
    Shape st(g.ndim(), 0), en = g.shape(), step(g.ndim(), 1);
    st[axis_] = 1;
    array tail = slice(g, st, en, step, s);
    Shape zs = g.shape();
    zs[axis_] = 1;
    g = concatenate({tail, zeros(zs, g.dtype(), s)}, axis_, s);
  }
  // With z the first zero of a line: positions before z use y_j / x_i;
  // position z uses the products with x_z replaced by 1; later ones get 0.
  Shape sh(x.ndim(), 1);
  sh[axis_] = n;
  array pos = broadcast_to(reshape(arange(0, n, 1, int64, s), sh, s), x.shape(), s);
  array is_zero = equal(x, scalar_like(x, 0.0), s);
  array first_zero = where(any(is_zero, {axis_}, true, s),
                           astype(argmax(is_zero, axis_, true, s), int64, s),
                           array::scalar(static_cast<double>(n), int64), s);
  first_zero = stop_gradient(first_zero, s);
  array before = less(pos, first_zero, s), at = equal(pos, first_zero, s);
  array y = cumprod(x, axis_, false, true, s);
  array safe_x = where(before, x, scalar_like(x, 1.0), s);
  array grad_before = divide(cumsum(multiply(g, y, s), axis_, true, true, s), safe_x, s);
  array y_skip = cumprod(where(at, scalar_like(x, 1.0), x, s), axis_, false, true, s);
  array grad_at = cumsum(multiply(g, y_skip, s), axis_, true, true, s);
  array grad = where(before, grad_before, where(at, grad_at, zeros_like(x, s), s), s);
  return flip_axis(grad);
}

std::vector<array> Scan::jvp(const std::vector<array>& primals,
                             const std::vector<array>& tangents,
                             const std::vector<int>&) {
  const array& x = primals[0];
  const array& t = tangents[0];
  Stream s = stream();
  array y = array(x.shape(), x.dtype(),
                  std::make_shared<Scan>(s, kind_, axis_, reverse_, inclusive_), {x});
  switch (kind_) {
    case Sum:
      return {cumsum(t, axis_, reverse_, inclusive_, s)};
    case Prod:
      return {multiply(y, cumsum(divide(t, x, s), axis_, reverse_, inclusive_, s), s)};
    case LogAddExp:
      return {multiply(exp(negative(y, s), s),
                       cumsum(multiply(t, exp(x, s), s), axis_, reverse_, inclusive_, s),
                       s)};
    default: {
      // Tangent of each output: the tangent of the input it copies.
      if (inclusive_) {
        auto [src, unused] = extreme_sources(x, t, s);
        return {take_along_axis(t, src, axis_, s)};
      }
      // Exclusive: the first output in scan order is a constant.
      auto [src, unused] = extreme_sources(x, t, s);
      int64_t n = x.shape()[axis_];
      array picked = take_along_axis(t, src, axis_, s);
      Shape zs = x.shape();
      zs[axis_] = n > 0 ? 1 : 0;
      array zero = zeros(zs, t.dtype(), s);
      return {reverse_ ? concatenate({picked, zero}, axis_, s)
                       : concatenate({zero, picked}, axis_, s)};
    }
  }
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  return {{array(x.shape(), x.dtype(),
                 std::make_shared<Scan>(stream(), kind_, axis_ + 1, reverse_, inclusive_),
                 {x})},
          {0}};
}

std::vector<array> ArgSort::vjp(const std::vector<array>& primals,
                                const std::vector<array>&, const std::vector<int>&,
                                const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

std::vector<array> ArgSort::jvp(const std::vector<array>& primals,
                                const std::vector<array>&, const std::vector<int>&) {
  return {zeros(primals[0].shape(), uint32, stream())};
}

std::pair<std::vector<array>, std::vector<int>> ArgSort::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  return {{argsort(x, axis_ + 1, stream())}, {0}};
}

array searchsorted(const array& sorted, const array& values, bool right,
                   StreamOrDevice s) {
  if (sorted.ndim() != 1) throw ValueError("[searchsorted] a must be 1-D.");
  Dtype t = promote_types(sorted.dtype(), values.dtype());
  return array(values.shape(), uint32,
               std::make_shared<SearchSorted>(to_stream(s), right),
               {astype(sorted, t, s), astype(values, t, s)});
}

std::vector<array> SearchSorted::vjp(const std::vector<array>& primals,
                                     const std::vector<array>&,
                                     const std::vector<int>& argnums,
                                     const std::vector<array>&) {
  std::vector<array> grads;
  for (int i : argnums) grads.push_back(zeros_like(primals[i], stream()));
  return grads;
}

std::vector<array> SearchSorted::jvp(const std::vector<array>& primals,
                                     const std::vector<array>&, const std::vector<int>&) {
  return {zeros(primals[1].shape(), uint32, stream())};
}

std::pair<std::vector<array>, std::vector<int>> SearchSorted::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (axes[0] >= 0) {
    throw ValueError("[searchsorted] Cannot vmap over the sorted sequence; "
                     "only the values may be batched.");
  }
  // Values are searched one by one, so their batch axis just rides along.
  return {{searchsorted(inputs[0], inputs[1], right_, stream())}, {axes[1]}};
}

}  // namespace ember
