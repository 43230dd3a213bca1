// Builders and transform rules of scans and sorting. sort is argsort
// followed by a gather, so its gradient and batching come from Gather.
#include "ops/scan.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "ops/replay.h"
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
  // MLX's dtype rules: running sums and products keep the input's dtype
  // (bool sums count in int32; bool products, an AND, stay bool), unlike
  // the whole-array reductions, which widen small integers.
  Dtype t = a.dtype();
  if (kind == Scan::LogAddExp && !is_inexact(t)) t = float32;
  Dtype compute = t == bool_ && (kind == Scan::Sum || kind == Scan::Prod) ? int32 : t;
  array out(a.shape(), compute,
            std::make_shared<Scan>(to_stream(s), kind, ax, reverse, inclusive),
            {astype(a, compute, s)});
  return kind == Scan::Prod && t == bool_ ? astype(out, bool_, s) : out;
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

array median(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "median");
  Dtype t = is_inexact(a.dtype()) ? a.dtype() : float32;
  if (is_complex(t)) throw TypeError("[median] Complex inputs have no order.");
  // The reduced axes go last and become one line, sorted.
  std::vector<int64_t> perm;
  Shape kept, flat;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ax.begin(), ax.end(), i) == ax.end()) {
      perm.push_back(i);
      kept.push_back(a.shape()[i]);
    }
  }
  int64_t k = 1;
  for (int i : ax) {
    perm.push_back(i);
    k *= a.shape()[i];
  }
  flat = kept;
  flat.push_back(k);
  array line = sort(reshape(transpose(astype(a, t, s), perm, s), flat, s), -1, s);
  int last = static_cast<int>(kept.size());
  auto at = [&](int64_t i) {
    Shape st(flat.size(), 0), en = flat, step(flat.size(), 1);
    st[last] = i;
    en[last] = i + 1;
    return squeeze(slice(line, st, en, step, s), {last}, s);
  };
  array med = k == 0 ? full(kept, array::scalar(NAN, t), t, s)
              : k % 2 ? at(k / 2)
                      : multiply(add(at(k / 2 - 1), at(k / 2), s), array::scalar(0.5, t), s);
  // NaN sorts last: a NaN anywhere in the line makes the median NaN.
  if (k > 0) med = where(isnan(at(k - 1), s), at(k - 1), med, s);
  if (!keepdims) return med;
  Shape out = a.shape();
  for (int i : ax) out[i] = 1;
  return reshape(med, out, s);
}

UniqueResult unique(const array& a, int64_t size, const std::optional<array>& fill,
                    StreamOrDevice s) {
  if (size < 0) {
    throw ValueError("[unique] Received negative size " + std::to_string(size) + ".");
  }
  array flat = reshape(a, {-1}, s);
  int64_t n = flat.size();
  Dtype t = a.dtype();
  if (n == 0) {
    if (size > 0 && !fill) {
      throw ValueError("[unique] A fill value is required for an empty input with a "
                       "non-zero size.");
    }
    array fv = fill ? astype(*fill, t, s) : array::scalar(0, t);
    return {full({size}, fv, t, s), zeros({size}, uint32, s), zeros(a.shape(), uint32, s),
            zeros({size}, int32, s)};
  }
  array order = stop_gradient(argsort(flat, 0, s), s);
  array sorted = take(flat, order, s);
  // Group number of each sorted element: a new group wherever it differs
  // from its predecessor (NaN differs from NaN, so each NaN is its own).
  array differs = not_equal(slice(sorted, {1}, {n}, {1}, s), slice(sorted, {0}, {n - 1}, {1}, s), s);
  array first_flag = concatenate({full({1}, array::scalar(1, int32), int32, s),
                                  astype(differs, int32, s)}, 0, s);
  array group = subtract(cumsum(first_flag, 0, false, true, s), array::scalar(1, int32), s);
  // Groups are sorted, so each one's span comes from a binary search.
  array k = arange(0, static_cast<double>(size), 1, int32, s);
  array begin = searchsorted(group, k, false, s);
  array end = searchsorted(group, k, true, s);
  array valid = less(begin, array::scalar(n, uint32), s);
  array at = stop_gradient(minimum(begin, array::scalar(n - 1, uint32), s), s);
  array head = slice(sorted, {0}, {1}, {1}, s);
  array fv = fill ? astype(*fill, t, s) : head;
  UniqueResult r{where(valid, take(sorted, at, s), fv, s),
                 where(valid, take(order, at, s), slice(order, {0}, {1}, {1}, s), s),
                 zeros(a.shape(), uint32, s),
                 astype(subtract(end, begin, s), int32, s)};
  if (size > 0) {
    // Group of each original element (truncated groups clamp to the last).
    array rank = stop_gradient(argsort(order, 0, s), s);
    array inv = minimum(astype(take(group, rank, s), uint32, s),
                        array::scalar(size - 1, uint32), s);
    r.inverse = reshape(inv, a.shape(), s);
  }
  return r;
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

// ---- export

namespace ember {

void Scan::save(Writer& w) const {
  w.str("Scan");
  w.i64(kind_);
  w.i64(axis_);
  w.flag(reverse_);
  w.flag(inclusive_);
}
std::vector<Shape> Scan::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

void ArgSort::save(Writer& w) const {
  w.str("ArgSort");
  w.i64(axis_);
}
std::vector<Shape> ArgSort::output_shapes(const std::vector<array>& in) {
  return {in[0].shape()};
}

void SearchSorted::save(Writer& w) const {
  w.str("SearchSorted");
  w.flag(right_);
}

bool load_scan(const std::string& tag, Reader& r, const ReplayNode& node,
               std::vector<array>& out) {
  if (tag != "Scan" && tag != "ArgSort" && tag != "SearchSorted") return false;
  if (node.inputs.empty()) Reader::corrupt();
  int last = std::max(node.inputs[0].ndim() - 1, 0);
  Stream s = node.stream;
  if (tag == "Scan") {
    auto kind = static_cast<Scan::Kind>(r.bounded(Scan::Sum, Scan::LogAddExp));
    int axis = static_cast<int>(r.bounded(0, last));
    bool reverse = r.flag();
    bool inclusive = r.flag();
    out = node.make(std::make_shared<Scan>(s, kind, axis, reverse, inclusive));
  } else if (tag == "ArgSort") {
    out = node.make(std::make_shared<ArgSort>(s, static_cast<int>(r.bounded(0, last))));
  } else {
    out = node.make(std::make_shared<SearchSorted>(s, r.flag()));
  }
  return true;
}

}  // namespace ember
