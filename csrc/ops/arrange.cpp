#include "ops/arrange.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/errors.h"
#include "ops/indexing.h"

namespace ember {

namespace {

Shape full_start(const array& a) { return Shape(a.ndim(), 0); }
Shape unit_steps(const array& a) { return Shape(a.ndim(), 1); }

array slice_axis(const array& a, int axis, int64_t b, int64_t e, StreamOrDevice s) {
  Shape start = full_start(a), stop = a.shape();
  start[axis] = b;
  stop[axis] = e;
  return slice(a, start, stop, unit_steps(a), s);
}

}  // namespace

array repeat(const array& a, int64_t repeats, std::optional<int64_t> axis,
             StreamOrDevice s) {
  if (repeats < 0) throw ValueError("[repeat] repeats must be non-negative.");
  if (!axis) return repeat(reshape(a, {-1}, s), repeats, 0, s);
  int ax = normalize_axis(*axis, a.ndim(), "repeat");
  array x = expand_dims(a, {ax + 1}, s);
  Shape shape = x.shape();
  shape[ax + 1] = repeats;
  Shape out = a.shape();
  out[ax] *= repeats;
  return reshape(broadcast_to(x, shape, s), out, s);
}

array tile(const array& a, Shape reps, StreamOrDevice s) {
  for (auto r : reps) {
    if (r < 0) throw ValueError("[tile] reps must be non-negative.");
  }
  int nd = std::max<int>(a.ndim(), reps.size());
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape shape(nd - a.ndim(), 1);
  shape.insert(shape.end(), a.shape().begin(), a.shape().end());
  // (s0, s1, ...) -> (1, s0, 1, s1, ...) broadcast to (r0, s0, r1, s1, ...).
  Shape inter, target, out;
  for (int i = 0; i < nd; ++i) {
    inter.insert(inter.end(), {1, shape[i]});
    target.insert(target.end(), {reps[i], shape[i]});
    int64_t n = 0;
    if (__builtin_mul_overflow(reps[i], shape[i], &n)) {
      throw ValueError("[tile] The tiled shape has more elements than fit in 64 bits.");
    }
    out.push_back(n);
  }
  return reshape(broadcast_to(reshape(a, inter, s), target, s), out, s);
}

array flip(const array& a, const std::optional<Axes>& axes, StreamOrDevice s) {
  Axes ax = axes.value_or(all_axes(a));
  Shape start = full_start(a), stop = a.shape(), step = unit_steps(a);
  for (int d : normalize_axes(ax, a.ndim(), "flip")) {
    start[d] = -1;
    stop[d] = -a.shape()[d] - 1;
    step[d] = -1;
  }
  return slice(a, start, stop, step, s);
}

array roll(const array& a, const Shape& shifts, const std::optional<Axes>& axes,
           StreamOrDevice s) {
  if (!axes) {
    // Every shift applies to the flattened array, so they add up.
    int64_t total = 0;
    for (auto v : shifts) total += v;
    return reshape(roll(reshape(a, {-1}, s), {total}, Axes{0}, s), a.shape(), s);
  }
  // A single shift or a single axis is broadcast against the other.
  size_t count = std::max(shifts.size(), axes->size());
  if ((shifts.size() != count && shifts.size() != 1) ||
      (axes->size() != count && axes->size() != 1)) {
    throw ValueError("[roll] shift and axis must have the same length.");
  }
  array x = a;
  for (size_t i = 0; i < count; ++i) {
    int ax = normalize_axis((*axes)[axes->size() == 1 ? 0 : i], a.ndim(), "roll");
    int64_t n = a.shape()[ax];
    if (n == 0) continue;
    int64_t k = ((shifts.size() == 1 ? shifts[0] : shifts[i]) % n + n) % n;
    if (k == 0) continue;
    x = concatenate({slice_axis(x, ax, n - k, n, s), slice_axis(x, ax, 0, n - k, s)}, ax, s);
  }
  return x;
}

namespace {

array triangle(const array& x, int64_t k, bool lower, const char* op,
               StreamOrDevice s) {
  if (x.ndim() < 2) {
    throw ValueError(std::string("[") + op + "] Needs at least two dimensions.");
  }
  int64_t n = x.shape()[x.ndim() - 2], m = x.shape()[x.ndim() - 1];
  array mask = lower ? tri(n, m, k, bool_, s)
                     : logical_not(tri(n, m, k - 1, bool_, s), s);
  return where(mask, x, zeros_like(x, s), s);
}

}  // namespace

array tril(const array& x, int64_t k, StreamOrDevice s) {
  return triangle(x, k, true, "tril", s);
}
array triu(const array& x, int64_t k, StreamOrDevice s) {
  return triangle(x, k, false, "triu", s);
}

array diagonal(const array& a, int64_t offset, int64_t axis1, int64_t axis2,
               StreamOrDevice s) {
  int a1 = normalize_axis(axis1, a.ndim(), "diagonal");
  int a2 = normalize_axis(axis2, a.ndim(), "diagonal");
  if (a1 == a2) throw ValueError("[diagonal] axis1 and axis2 must differ.");
  // Move the two axes last, then gather (i, i + offset).
  std::vector<int64_t> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != a1 && i != a2) perm.push_back(i);
  }
  perm.push_back(a1);
  perm.push_back(a2);
  array x = transpose(a, perm, s);
  int64_t n = a.shape()[a1], m = a.shape()[a2];
  int64_t r0 = std::max<int64_t>(0, -offset), c0 = std::max<int64_t>(0, offset);
  int64_t len = std::max<int64_t>(0, std::min(n - r0, m - c0));
  array rows = arange(r0, r0 + len, 1, int64, s);
  array cols = arange(c0, c0 + len, 1, int64, s);
  Shape sizes = x.shape();
  sizes[x.ndim() - 2] = 1;
  sizes[x.ndim() - 1] = 1;
  array g = gather(x, {rows, cols}, {x.ndim() - 2, x.ndim() - 1}, sizes, s);
  // (len, batch..., 1, 1) -> (batch..., len)
  g = squeeze(g, {-1, -2}, s);
  return moveaxis(g, 0, -1, s);
}

array diag(const array& a, int64_t k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1) throw ValueError("[diag] Input must be 1-D or 2-D.");
  int64_t len = a.shape()[0], n = len + std::abs(k);
  int64_t r0 = std::max<int64_t>(0, -k), c0 = std::max<int64_t>(0, k);
  array rows = arange(r0, r0 + len, 1, int64, s);
  array cols = arange(c0, c0 + len, 1, int64, s);
  return scatter(zeros({n, n}, a.dtype(), s), {rows, cols}, reshape(a, {len, 1, 1}, s),
                 {0, 1}, Scatter::None, s);
}

array trace(const array& a, int64_t offset, int64_t axis1, int64_t axis2,
            std::optional<Dtype> dtype, StreamOrDevice s) {
  array d = diagonal(a, offset, axis1, axis2, s);
  if (dtype) d = astype(d, *dtype, s);
  return sum(d, {-1}, false, s);
}

array atleast(const array& a, int ndim, StreamOrDevice s) {
  if (a.ndim() >= ndim) return a;
  if (ndim == 1) return reshape(a, {1}, s);
  if (ndim == 2) return a.ndim() == 0 ? reshape(a, {1, 1}, s) : expand_dims(a, {0}, s);
  if (a.ndim() == 0) return reshape(a, {1, 1, 1}, s);
  if (a.ndim() == 1) return reshape(a, {1, a.shape()[0], 1}, s);
  return expand_dims(a, {-1}, s);
}

std::vector<array> unstack(const array& a, int64_t axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[unstack] Cannot unstack a 0-d array.");
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  for (int64_t i = 0; i < a.shape()[ax]; ++i) {
    out.push_back(squeeze(slice_axis(a, ax, i, i + 1, s), {ax}, s));
  }
  return out;
}

array nan_to_num(const array& a, double nan, std::optional<double> posinf,
                 std::optional<double> neginf, StreamOrDevice s) {
  if (!is_inexact(a.dtype())) return a;
  Dtype t = a.dtype() == complex64 ? float32 : a.dtype();
  double big = float_max(t);
  array x = where(isnan(a, s), array::scalar(nan, a.dtype()), a, s);
  x = where(isposinf(x, s), array::scalar(posinf.value_or(big), a.dtype()), x, s);
  return where(isneginf(x, s), array::scalar(neginf.value_or(-big), a.dtype()), x, s);
}

array count_nonzero(const array& a, const Axes& axes, bool keepdims,
                    StreamOrDevice s) {
  array nz = not_equal(a, zeros({}, a.dtype(), s), s);
  return sum(astype(nz, int32, s), axes, keepdims, s);
}

array diff(const array& a, int64_t n, int64_t axis, StreamOrDevice s) {
  if (n < 0) throw ValueError("[diff] n must be non-negative.");
  int ax = normalize_axis(axis, a.ndim(), "diff");
  array x = a;
  for (int64_t i = 0; i < n && x.shape()[ax] > 0; ++i) {
    int64_t len = x.shape()[ax];
    x = subtract(slice_axis(x, ax, 1, len, s), slice_axis(x, ax, 0, len - 1, s), s);
  }
  return x;
}

namespace {

// Source positions for mirror padding of an axis of size n: the axis
// extended periodically by its mirror image, without the edge element
// (reflect, period 2(n-1)) or with it (symmetric, period 2n), as numpy
// pads when the width exceeds the axis.
array mirror_indices(int64_t n, int64_t before, int64_t after, bool reflect) {
  if (n == 0) throw ValueError("[pad] Cannot mirror-pad an empty axis.");
  int64_t period = reflect ? 2 * (n - 1) : 2 * n;
  std::vector<int64_t> idx(before + n + after, 0);
  for (int64_t k = 0; k < static_cast<int64_t>(idx.size()) && period > 0; ++k) {
    int64_t j = ((k - before) % period + period) % period;
    idx[k] = j < n ? j : (reflect ? period - j : period - 1 - j);
  }
  return array::from_data(idx.data(), {static_cast<int64_t>(idx.size())}, int64);
}

}  // namespace

array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& widths,
          const std::string& mode, const array& value, StreamOrDevice s) {
  if (static_cast<int>(widths.size()) != a.ndim()) {
    throw ValueError("[pad] One (before, after) pair is needed per dimension.");
  }
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "symmetric") {
    throw ValueError("[pad] Unsupported mode '" + mode + "'; use 'constant', "
                     "'edge', 'reflect' or 'symmetric'.");
  }
  for (auto [before, after] : widths) {
    if (before < 0 || after < 0) throw ValueError("[pad] Pad widths must be >= 0.");
  }
  if (mode == "constant") {
    if (value.size() != 1) throw ValueError("[pad] The pad value must be a scalar.");
    Shape lo, hi;
    bool any = false;
    for (auto [before, after] : widths) {
      lo.push_back(before), hi.push_back(after);
      any |= before > 0 || after > 0;
    }
    if (!any) return a;
    return pad_constant(a, lo, hi, reshape(value, {}, s), s);
  }
  array x = a;
  for (int ax = 0; ax < a.ndim(); ++ax) {
    auto [before, after] = widths[ax];
    if (before == 0 && after == 0) continue;
    int64_t n = x.shape()[ax];
    if (mode == "edge" && n == 0) throw ValueError("[pad] Cannot edge-pad an empty axis.");
    if (mode == "reflect" || mode == "symmetric") {
      x = take(x, mirror_indices(n, before, after, mode == "reflect"), ax, s);
      continue;
    }
    auto block = [&](int64_t width, bool at_start) {
      Shape shape = x.shape();
      shape[ax] = width;
      array edge = at_start ? slice_axis(x, ax, 0, 1, s) : slice_axis(x, ax, n - 1, n, s);
      return broadcast_to(edge, shape, s);
    };
    std::vector<array> parts;
    if (before) parts.push_back(block(before, true));
    parts.push_back(x);
    if (after) parts.push_back(block(after, false));
    x = concatenate(parts, ax, s);
  }
  return x;
}

array slice_dynamic(const array& a, const array& start, const Axes& axes,
                    const Shape& sizes, StreamOrDevice s) {
  // slice_size is the output shape (one size per axis of a, as in MLX);
  // start_indices give the start along `axes`, the other axes start at 0.
  if (static_cast<int>(sizes.size()) != a.ndim()) {
    throw ValueError("[slice] Invalid slice size for array with " +
                     std::to_string(a.ndim()) + " dimensions.");
  }
  if (start.size() != static_cast<int64_t>(axes.size())) {
    throw ValueError("[slice] start_indices must have one entry per axis in "
                     "axes.");
  }
  for (int i = 0; i < a.ndim(); ++i) {
    if (sizes[i] < 0 || sizes[i] > a.shape()[i]) {
      throw ValueError("[slice] Invalid slice size " + shape_str(sizes) +
                       " for an array of shape " + shape_str(a.shape()) + ".");
    }
  }
  std::vector<bool> dynamic(a.ndim(), false);
  array x = a;
  array flat_start = reshape(start, {-1}, s);
  for (size_t i = 0; i < axes.size(); ++i) {
    int ax = normalize_axis(axes[i], a.ndim(), "slice");
    if (dynamic[ax]) throw ValueError("[slice] Repeated axis in axes.");
    dynamic[ax] = true;
    array st = reshape(slice(flat_start, {static_cast<int64_t>(i)},
                             {static_cast<int64_t>(i) + 1}, {1}, s), {}, s);
    // take() checks every index, so a block reaching past the end raises
    // IndexError at eval instead of reading outside the array.
    array idx = add(astype(st, int64, s), arange(0, sizes[ax], 1, int64, s), s);
    x = take(x, idx, ax, s);
  }
  Shape lo(a.ndim(), 0), hi = x.shape(), step(a.ndim(), 1);
  for (int i = 0; i < a.ndim(); ++i) {
    if (!dynamic[i]) hi[i] = sizes[i];
  }
  return hi == x.shape() ? x : slice(x, lo, hi, step, s);
}

array slice_update_dynamic(const array& a, const array& update, const array& start,
                           const Axes& axes, StreamOrDevice s) {
  if (start.size() != static_cast<int64_t>(axes.size())) {
    throw ValueError("[slice_update] start_indices and axes must match.");
  }
  // One index array per axis of a, laid out as an outer product.
  std::vector<array> idx;
  std::vector<int> all_axes;
  Shape region = update.shape();
  if (static_cast<int>(region.size()) != a.ndim()) {
    throw ValueError("[slice_update] The update must have the array's rank.");
  }
  for (int d = 0; d < a.ndim(); ++d) {
    array base = array(int64_t(0));
    for (size_t i = 0; i < axes.size(); ++i) {
      if (normalize_axis(axes[i], a.ndim(), "slice_update") == d) {
        base = astype(reshape(slice(start, {static_cast<int64_t>(i)},
                                    {static_cast<int64_t>(i) + 1}, {1}, s), {}, s),
                      int64, s);
      }
    }
    Shape sh(a.ndim(), 1);
    sh[d] = region[d];
    idx.push_back(reshape(add(base, arange(0, region[d], 1, int64, s), s), sh, s));
    all_axes.push_back(d);
  }
  Shape ushape = region;
  ushape.insert(ushape.end(), a.ndim(), 1);
  return scatter(a, idx, reshape(astype(update, a.dtype(), s), ushape, s), all_axes,
                 Scatter::None, s);
}

array window(const std::string& kind, int64_t m, StreamOrDevice s) {
  if (m < 0) throw ValueError("[" + kind + "] M must be non-negative.");
  if (m <= 1) return ones({m}, float32, s);
  array n = arange(0, m, 1, float32, s);
  double denom = static_cast<double>(m - 1);
  auto cosine = [&](double k) {
    return cos(multiply(n, array::scalar(2.0 * M_PI * k / denom, float32), s), s);
  };
  if (kind == "hanning" || kind == "hamming") {
    double a0 = kind == "hanning" ? 0.5 : 0.54;
    return subtract(array::scalar(a0, float32),
                    multiply(array::scalar(1.0 - a0, float32), cosine(1), s), s);
  }
  if (kind == "blackman") {
    array w = subtract(array::scalar(0.42, float32),
                       multiply(array::scalar(0.5, float32), cosine(1), s), s);
    return add(w, multiply(array::scalar(0.08, float32), cosine(2), s), s);
  }
  // bartlett: 1 - |2n / (M - 1) - 1|
  array t = subtract(multiply(n, array::scalar(2.0 / denom, float32), s),
                     array::scalar(1.0, float32), s);
  return subtract(array::scalar(1.0, float32), abs(t, s), s);
}

std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s) {
  if (indexing != "xy" && indexing != "ij") {
    throw ValueError("[meshgrid] indexing must be 'xy' or 'ij'.");
  }
  int n = static_cast<int>(arrays.size());
  Shape full;
  for (auto& a : arrays) full.push_back(a.size());
  if (indexing == "xy" && n >= 2) std::swap(full[0], full[1]);
  std::vector<array> out;
  for (int i = 0; i < n; ++i) {
    Shape shape(n, 1);
    int pos = i;
    if (indexing == "xy" && n >= 2 && i < 2) pos = 1 - i;
    shape[pos] = arrays[i].size();
    array x = reshape(arrays[i], shape, s);
    out.push_back(sparse ? x : broadcast_to(x, full, s));
  }
  return out;
}

array addmm(const array& c, const array& a, const array& b, double alpha,
            double beta, StreamOrDevice s) {
  array ab = matmul(a, b, s);
  Dtype t = ab.dtype();
  array out = alpha == 1.0 ? ab : multiply(ab, array::scalar(alpha, t), s);
  if (broadcast_shapes(c.shape(), out.shape(), "addmm") != out.shape()) {
    throw ValueError("[addmm] c of shape " + shape_str(c.shape()) +
                     " does not broadcast to the product's shape " +
                     shape_str(out.shape()) + ".");
  }
  if (beta == 0.0) return out;
  array cc = beta == 1.0 ? astype(c, t, s) : multiply(astype(c, t, s), array::scalar(beta, t), s);
  return add(out, cc, s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {-1, 1}, s), reshape(b, {1, -1}, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  return tensordot(a, b, Axes{-1}, Axes{-1}, s);
}

array tensordot(const array& a, const array& b, const Axes& axes_a,
                const Axes& axes_b, StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    throw ValueError("[tensordot] Both inputs need the same number of axes.");
  }
  std::vector<int> ca, cb;
  for (auto x : axes_a) ca.push_back(normalize_axis(x, a.ndim(), "tensordot"));
  for (auto x : axes_b) cb.push_back(normalize_axis(x, b.ndim(), "tensordot"));
  int64_t k = 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    if (a.shape()[ca[i]] != b.shape()[cb[i]]) {
      throw ValueError("[tensordot] Contracted dimensions do not match.");
    }
    k *= a.shape()[ca[i]];
  }
  std::vector<int64_t> pa, pb;
  Shape out;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(ca.begin(), ca.end(), i) == ca.end()) {
      pa.push_back(i);
      out.push_back(a.shape()[i]);
    }
  }
  int64_t m = shape_size(out);
  pa.insert(pa.end(), ca.begin(), ca.end());
  pb.assign(cb.begin(), cb.end());
  int64_t nb = 1;
  for (int i = 0; i < b.ndim(); ++i) {
    if (std::find(cb.begin(), cb.end(), i) == cb.end()) {
      pb.push_back(i);
      out.push_back(b.shape()[i]);
      nb *= b.shape()[i];
    }
  }
  array x = reshape(transpose(a, pa, s), {m, k}, s);
  array y = reshape(transpose(b, pb, s), {k, nb}, s);
  return reshape(matmul(x, y, s), out, s);
}

array tensordot(const array& a, const array& b, int64_t n, StreamOrDevice s) {
  if (n < 0 || n > a.ndim() || n > b.ndim()) {
    throw ValueError("[tensordot] Invalid number of axes.");
  }
  Axes axa, axb;
  for (int64_t i = 0; i < n; ++i) {
    axa.push_back(a.ndim() - n + i);
    axb.push_back(i);
  }
  return tensordot(a, b, axa, axb, s);
}

array vecdot(const array& a, const array& b, int64_t axis, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    throw ValueError("[vecdot] Inputs need at least one dimension.");
  }
  // The contracted axis is matched, not broadcast, as the array API asks.
  int64_t na = a.shape()[normalize_axis(axis, a.ndim(), "vecdot")];
  int64_t nb = b.shape()[normalize_axis(axis, b.ndim(), "vecdot")];
  if (na != nb) {
    throw ValueError("[vecdot] The contracted axis has size " + std::to_string(na) +
                     " in a but " + std::to_string(nb) + " in b.");
  }
  array prod = multiply(is_complex(a.dtype()) ? conjugate(a, s) : a, b, s);
  return sum(prod, {axis}, false, s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  int nd = std::max(a.ndim(), b.ndim());
  array x = reshape(a, [&] {
    Shape sh(nd - a.ndim(), 1);
    sh.insert(sh.end(), a.shape().begin(), a.shape().end());
    return sh;
  }(), s);
  array y = reshape(b, [&] {
    Shape sh(nd - b.ndim(), 1);
    sh.insert(sh.end(), b.shape().begin(), b.shape().end());
    return sh;
  }(), s);
  // Interleave: x as (s0, 1, s1, 1, ...), y as (1, t0, 1, t1, ...).
  Shape xs, ys, out;
  for (int i = 0; i < nd; ++i) {
    xs.insert(xs.end(), {x.shape()[i], 1});
    ys.insert(ys.end(), {1, y.shape()[i]});
    out.push_back(x.shape()[i] * y.shape()[i]);
  }
  return reshape(multiply(reshape(x, xs, s), reshape(y, ys, s), s), out, s);
}

}  // namespace ember

namespace ember {

namespace {

// Flattened batch of matrices: (..., M, K) -> (B, M, K).
array batch_matrices(const array& x, StreamOrDevice s) {
  if (x.ndim() < 2) throw ValueError("[gather_mm] Inputs must be at least 2-D.");
  return reshape(x, {-1, x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]}, s);
}

// Each block mask entry repeated over its block, cropped to rows x cols.
array expand_block_mask(const array& mask, int bs, int64_t rows, int64_t cols,
                        StreamOrDevice s) {
  array m = repeat(repeat(mask, bs, -1, s), bs, -2, s);
  Shape start(m.ndim(), 0), stop = m.shape(), step(m.ndim(), 1);
  stop[m.ndim() - 2] = rows;
  stop[m.ndim() - 1] = cols;
  return slice(m, start, stop, step, s);
}

}  // namespace

array gather_mm(const array& a, const array& b, const std::optional<array>& lhs,
                const std::optional<array>& rhs, StreamOrDevice s) {
  array a3 = batch_matrices(a, s), b3 = batch_matrices(b, s);
  array li = lhs ? *lhs : arange(0, a3.shape()[0], 1, uint32, s);
  array ri = rhs ? *rhs : arange(0, b3.shape()[0], 1, uint32, s);
  if (!lhs && a.ndim() > 2) li = reshape(li, Shape(a.shape().begin(), a.shape().end() - 2), s);
  if (!rhs && b.ndim() > 2) ri = reshape(ri, Shape(b.shape().begin(), b.shape().end() - 2), s);
  Shape batch = broadcast_shapes(li.shape(), ri.shape(), "gather_mm");
  array x = take(a3, reshape(broadcast_to(li, batch, s), {-1}, s), 0, s);
  array y = take(b3, reshape(broadcast_to(ri, batch, s), {-1}, s), 0, s);
  array out = matmul(x, y, s);
  Shape shape = batch;
  shape.push_back(out.shape()[1]);
  shape.push_back(out.shape()[2]);
  return reshape(out, shape, s);
}

array segmented_mm(const array& a, const array& b, const array& segments,
                   StreamOrDevice s) {
  if (a.ndim() != 2 || b.ndim() != 2 || segments.ndim() < 1 ||
      segments.shape().back() != 2) {
    throw ValueError("[segmented_mm] Expected a (M, K), b (K, N) and segments "
                     "(..., 2).");
  }
  int64_t k = a.shape()[1];
  Shape seg_start(segments.ndim(), 0), seg_stop = segments.shape(),
      seg_step(segments.ndim(), 1);
  seg_stop.back() = 1;
  array lo = slice(segments, seg_start, seg_stop, seg_step, s);  // (..., 1)
  seg_start.back() = 1;
  seg_stop.back() = 2;
  array hi = slice(segments, seg_start, seg_stop, seg_step, s);
  array kk = arange(0, k, 1, int64, s);
  array mask = logical_and(greater_equal(kk, astype(lo, int64, s), s),
                           less(kk, astype(hi, int64, s), s), s);  // (..., K)
  array am = multiply(a, astype(expand_dims(mask, {-2}, s), a.dtype(), s), s);
  return matmul(am, b, s);
}

array block_masked_mm(const array& a, const array& b, int block_size,
                      const std::optional<array>& mask_out,
                      const std::optional<array>& mask_lhs,
                      const std::optional<array>& mask_rhs, StreamOrDevice s) {
  if (block_size != 32 && block_size != 64) {
    throw ValueError("[block_masked_mm] block_size must be 32 or 64.");
  }
  if (a.ndim() < 2 || b.ndim() < 2) {
    throw ValueError("[block_masked_mm] Both operands need at least 2 dimensions; got " +
                     std::to_string(a.ndim()) + " and " + std::to_string(b.ndim()) + ".");
  }
  int64_t m = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1];
  int64_t n = b.shape()[b.ndim() - 1];
  array x = a, y = b;
  auto as_mask = [&](const array& mk, const array& like) {
    return mk.dtype() == bool_ ? astype(mk, like.dtype(), s) : mk;
  };
  if (mask_lhs) x = multiply(x, as_mask(expand_block_mask(*mask_lhs, block_size, m, k, s), x), s);
  if (mask_rhs) y = multiply(y, as_mask(expand_block_mask(*mask_rhs, block_size, k, n, s), y), s);
  array out = matmul(x, y, s);
  if (mask_out) {
    out = multiply(out, as_mask(expand_block_mask(*mask_out, block_size, m, n, s), out), s);
  }
  return out;
}

array hadamard_transform(const array& a, std::optional<double> scale,
                         StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[hadamard_transform] Needs an axis.");
  int64_t n = a.shape().back();
  if (n < 1 || (n & (n - 1)) != 0) {
    throw ValueError("[hadamard_transform] The last axis must have a power-of-two "
                     "size; got " + std::to_string(n) + ".");
  }
  Dtype t = is_floating(a.dtype()) ? a.dtype() : float32;
  array x = astype(a, t, s);
  int k = 0;
  while ((int64_t(1) << k) < n) ++k;
  Shape lead(x.shape().begin(), x.shape().end() - 1);
  Shape split = lead;
  split.insert(split.end(), k, 2);
  x = reshape(x, split, s);
  // One butterfly (x0 + x1, x0 - x1) per factor of two.
  for (int d = 0; d < k; ++d) {
    int ax = static_cast<int>(lead.size()) + d;
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    en[ax] = 1;
    array x0 = slice(x, st, en, step, s);
    st[ax] = 1;
    en[ax] = 2;
    array x1 = slice(x, st, en, step, s);
    x = concatenate({add(x0, x1, s), subtract(x0, x1, s)}, ax, s);
  }
  x = reshape(x, a.shape(), s);
  double sc = scale.value_or(1.0 / std::sqrt(static_cast<double>(n)));
  return multiply(x, array::scalar(sc, t), s);
}

}  // namespace ember
