// Builders and transform rules of Gather and Scatter, and the indexing ops
// composed from them.
#include "ops/indexing.h"

#include "core/errors.h"
#include "ops/autodiff.h"
#include "ops/ops.h"
#include "ops/replay.h"

namespace ember {

namespace {
constexpr const char* kIndexGradMessage =
    "[gather/scatter] Cannot differentiate with respect to integer indices; "
    "wrap indices computed from differentiated inputs in stop_gradient.";
}  // namespace

const char* Scatter::name() const {
  constexpr const char* names[] = {"Scatter", "ScatterAdd", "ScatterProd",
                                   "ScatterMax", "ScatterMin"};
  return names[kind_];
}

namespace {

// Indices as int64. uint64 values past INT64_MAX would wrap to negative
// indices (counting from the end): they saturate, so they stay out of bounds.
array as_int64_index(const array& i, StreamOrDevice s) {
  if (i.dtype() != uint64) return astype(i, int64, s);
  uint64_t top = static_cast<uint64_t>(INT64_MAX);
  return astype(minimum(i, array::from_data(&top, {}, uint64), s), int64, s);
}

std::vector<array> prepare_indices(const std::vector<array>& indices,
                                   const char* op, StreamOrDevice s) {
  Shape shape;
  for (auto& i : indices) {
    if (!is_integral(i.dtype())) {
      throw ValueError(std::string("[") + op + "] Indices must be integers; got " +
                       dtype_name(i.dtype()) + ".");
    }
    shape = broadcast_shapes(shape, i.shape(), op);
  }
  std::vector<array> out;
  for (auto& i : indices) out.push_back(broadcast_to(as_int64_index(i, s), shape, s));
  return out;
}

Shape index_shape(const std::vector<array>& idx) {
  return idx.empty() ? Shape{} : idx[0].shape();
}

}  // namespace

array gather(const array& src, const std::vector<array>& indices,
             const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s) {
  if (indices.size() != axes.size()) {
    throw ValueError("[gather] One index array is needed per axis.");
  }
  if (static_cast<int>(slice_sizes.size()) != src.ndim()) {
    throw ValueError("[gather] slice_sizes must have one entry per dimension.");
  }
  std::vector<int> ax;
  for (int a : axes) ax.push_back(normalize_axis(a, src.ndim(), "gather"));
  auto idx = prepare_indices(indices, "gather", s);
  Shape out = index_shape(idx);
  // No index, no slice read: sorting or taking from an empty axis is empty.
  bool reads = shape_size(out) > 0;
  for (int i = 0; i < src.ndim(); ++i) {
    if (slice_sizes[i] < 0 || (reads && slice_sizes[i] > src.shape()[i])) {
      throw ValueError("[gather] Slice size " + std::to_string(slice_sizes[i]) +
                       " does not fit axis " + std::to_string(i) + " of size " +
                       std::to_string(src.shape()[i]) + ".");
    }
  }
  out.insert(out.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> inputs{src};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return array(std::move(out), src.dtype(),
               std::make_shared<Gather>(to_stream(s), ax, slice_sizes),
               std::move(inputs));
}

array scatter(const array& src, const std::vector<array>& indices,
              const array& updates, const std::vector<int>& axes,
              Scatter::Kind kind, StreamOrDevice s) {
  if (indices.size() != axes.size()) {
    throw ValueError("[scatter] One index array is needed per axis.");
  }
  std::vector<int> ax;
  for (int a : axes) ax.push_back(normalize_axis(a, src.ndim(), "scatter"));
  auto idx = prepare_indices(indices, "scatter", s);
  Shape b = index_shape(idx);
  if (updates.ndim() != static_cast<int>(b.size()) + src.ndim()) {
    throw ValueError("[scatter] Updates of shape " + shape_str(updates.shape()) +
                     " must have the index dimensions followed by one "
                     "dimension per source dimension.");
  }
  for (size_t i = 0; i < b.size(); ++i) {
    if (updates.shape()[i] != b[i]) {
      throw ValueError("[scatter] Updates shape " + shape_str(updates.shape()) +
                       " does not match the indices shape " + shape_str(b) + ".");
    }
  }
  for (int i = 0; i < src.ndim(); ++i) {
    if (updates.shape()[b.size() + i] > src.shape()[i]) {
      throw ValueError("[scatter] Update slices are larger than the source.");
    }
  }
  std::vector<array> inputs{src};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(astype(updates, src.dtype(), s));
  return array(src.shape(), src.dtype(),
               std::make_shared<Scatter>(to_stream(s), kind, ax), std::move(inputs));
}

array take(const array& a, const array& indices, int64_t axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[take] Cannot take from a 0-d array.");
  int ax = normalize_axis(axis, a.ndim(), "take");
  Shape sizes = a.shape();
  sizes[ax] = 1;
  array g = gather(a, {indices}, {ax}, sizes, s);
  // Gather gives indices.shape + a.shape (axis of size 1): put the index
  // dimensions where the axis was.
  int ni = indices.ndim();
  g = squeeze(g, {ni + ax}, s);
  std::vector<int64_t> perm;
  for (int i = 0; i < ax; ++i) perm.push_back(ni + i);
  for (int i = 0; i < ni; ++i) perm.push_back(i);
  for (int i = ax; i < a.ndim() - 1; ++i) perm.push_back(ni + i);
  return transpose(g, perm, s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), indices, 0, s);
}

namespace {

// Index arrays selecting, for every position of `indices` (same rank as
// a), a's element along `axis` and the position itself elsewhere.
std::vector<array> along_axis_indices(const array& a, const array& indices,
                                      int ax, const char* op, StreamOrDevice s) {
  if (indices.ndim() != a.ndim()) {
    throw ValueError(std::string("[") + op + "] Indices of rank " +
                     std::to_string(indices.ndim()) + " for an array of rank " +
                     std::to_string(a.ndim()) + ".");
  }
  std::vector<array> idx;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i == ax) {
      idx.push_back(indices);
      continue;
    }
    Shape shape(a.ndim(), 1);
    shape[i] = a.shape()[i];
    idx.push_back(reshape(arange(0, a.shape()[i], 1, int64, s), shape, s));
  }
  return idx;
}

std::vector<int> iota_axes(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

array take_along_axis(const array& a, const array& indices, int64_t axis,
                      StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "take_along_axis");
  auto idx = along_axis_indices(a, indices, ax, "take_along_axis", s);
  array g = gather(a, idx, iota_axes(a.ndim()), Shape(a.ndim(), 1), s);
  Shape out = g.shape();
  out.resize(out.size() - a.ndim());
  return reshape(g, out, s);
}

array put_along_axis(const array& a, const array& indices, const array& values,
                     int64_t axis, StreamOrDevice s) {
  return scatter_along_axis(a, indices, values, axis, Scatter::None, s);
}

array scatter_along_axis(const array& a, const array& indices,
                         const array& values, int64_t axis, Scatter::Kind kind,
                         StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "put_along_axis");
  auto idx = along_axis_indices(a, indices, ax, "put_along_axis", s);
  Shape b;
  for (auto& i : idx) b = broadcast_shapes(b, i.shape(), "put_along_axis");
  Shape upd_shape = b;
  upd_shape.insert(upd_shape.end(), a.ndim(), 1);
  array upd = reshape(broadcast_to(astype(values, a.dtype(), s), b, s), upd_shape, s);
  return scatter(a, idx, upd, iota_axes(a.ndim()), kind, s);
}

// ---- transform rules

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  std::vector<array> idx(primals.begin() + 1, primals.end());
  std::vector<array> grads;
  for (int i : argnums) {
    if (i != 0) throw ValueError(kIndexGradMessage);
    grads.push_back(scatter(zeros_like(primals[0], stream()), idx, cotangents[0],
                            axes_, Scatter::Add, stream()));
  }
  return grads;
}

std::vector<array> Gather::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  std::vector<array> idx(primals.begin() + 1, primals.end());
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) return {gather(tangents[k], idx, axes_, slice_sizes_, stream())};
  }
  Shape shape = primals[1].shape();
  shape.insert(shape.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {zeros(shape, primals[0].dtype(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> Gather::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  int64_t n = batch_size(inputs, axes);
  array src = inputs[0];
  bool src_batched = axes[0] >= 0;
  bool idx_batched = false;
  for (size_t i = 1; i < inputs.size(); ++i) idx_batched |= axes[i] >= 0;
  std::vector<array> idx;
  for (size_t i = 1; i < inputs.size(); ++i) {
    array x = inputs[i];
    // Index arrays get their batch axis first (a leading 1 if unbatched).
    x = axes[i] >= 0 ? moveaxis(x, axes[i], 0, s) : expand_dims(x, {0}, s);
    idx.push_back(x);
  }
  std::vector<int> gaxes;
  Shape sizes = slice_sizes_;
  if (src_batched) {
    src = moveaxis(src, axes[0], 0, s);
    for (int a : axes_) gaxes.push_back(a + 1);
    if (idx_batched || idx.empty()) {
      // Each batch element gathers from its own source slice.
      Shape iota_shape(idx.empty() ? 1 : idx[0].ndim(), 1);
      iota_shape[0] = n;
      idx.insert(idx.begin(), reshape(arange(0, n, 1, int64, s), iota_shape, s));
      gaxes.insert(gaxes.begin(), 0);
      sizes.insert(sizes.begin(), 1);
      array g = gather(src, idx, gaxes, sizes, s);
      // Drop the batch slice axis (size 1) that follows the index dims.
      int bdims = g.ndim() - static_cast<int>(sizes.size());
      return {{squeeze(g, {bdims}, s)}, {0}};
    }
    // Shared indices: the batch axis rides along as a full slice.
    sizes.insert(sizes.begin(), n);
    array g = gather(src, idx, gaxes, sizes, s);
    int bdims = g.ndim() - static_cast<int>(sizes.size());
    return {{squeeze(g, {0}, s)}, {bdims - 1}};
  }
  array g = gather(src, idx, axes_, sizes, s);
  return {{g}, {0}};
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  Stream s = stream();
  const array& g = cotangents[0];
  const array& src = primals[0];
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  const array& upd = primals.back();
  int upd_index = static_cast<int>(primals.size()) - 1;
  Shape slice(upd.shape().end() - src.ndim(), upd.shape().end());
  const array& out = outputs[0];
  std::vector<array> grads;
  for (int i : argnums) {
    if (i != 0 && i != upd_index) throw ValueError(kIndexGradMessage);
    bool is_src = i == 0;
    switch (kind_) {
      case None:
        grads.push_back(is_src ? scatter(g, idx, zeros_like(upd, s), axes_, None, s)
                               : gather(g, idx, axes_, slice, s));
        break;
      case Add:
        grads.push_back(is_src ? g : gather(g, idx, axes_, slice, s));
        break;
      case Prod:
        // d out / d src = out / src; d out / d upd = out / upd at its place.
        grads.push_back(is_src ? multiply(g, divide(out, src, s), s)
                               : divide(gather(multiply(g, out, s), idx, axes_, slice, s),
                                        upd, s));
        break;
      default: {
        // Max / min: the gradient goes to whichever value won.
        if (is_src) {
          grads.push_back(where(equal(src, out, s), g, zeros_like(g, s), s));
        } else {
          array won = equal(upd, gather(out, idx, axes_, slice, s), s);
          grads.push_back(where(won, gather(g, idx, axes_, slice, s), zeros_like(upd, s), s));
        }
      }
    }
  }
  return grads;
}

std::vector<array> Scatter::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  if (kind_ != None && kind_ != Add) {
    throw ValueError(std::string("[") + name() + "] No forward-mode rule for "
                     "scatter with prod, max or min.");
  }
  std::vector<array> idx(primals.begin() + 1, primals.end() - 1);
  int upd_index = static_cast<int>(primals.size()) - 1;
  array ts = zeros_like(primals[0], stream());
  array tu = zeros_like(primals.back(), stream());
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) ts = tangents[k];
    if (argnums[k] == upd_index) tu = tangents[k];
  }
  return {scatter(ts, idx, tu, axes_, kind_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  int64_t n = batch_size(inputs, axes);
  size_t nidx = inputs.size() - 2;
  // Everything batched first: source (copied per batch), indices, updates.
  array src = axes[0] >= 0 ? moveaxis(inputs[0], axes[0], 0, s)
                           : broadcast_to(expand_dims(inputs[0], {0}, s),
                                          [&] {
                                            Shape sh = inputs[0].shape();
                                            sh.insert(sh.begin(), n);
                                            return sh;
                                          }(), s);
  std::vector<array> idx;
  for (size_t i = 1; i <= nidx; ++i) {
    array x = inputs[i];
    idx.push_back(axes[i] >= 0 ? moveaxis(x, axes[i], 0, s) : expand_dims(x, {0}, s));
  }
  // Every index array now leads with n or 1; the broadcast leads with n.
  Shape bshape;
  for (auto& x : idx) bshape = broadcast_shapes(bshape, x.shape(), "scatter");
  if (bshape.empty()) bshape = {n};
  bshape[0] = n;
  Shape iota_shape(bshape.size(), 1);
  iota_shape[0] = n;
  idx.insert(idx.begin(), reshape(arange(0, n, 1, int64, s), iota_shape, s));
  std::vector<int> saxes{0};
  for (int a : axes_) saxes.push_back(a + 1);
  // Updates: B' + slice with a batch slice axis of size 1 after B'.
  const array& u = inputs.back();
  int ua = axes.back();
  int src_rank = inputs[0].ndim() - (axes[0] >= 0 ? 1 : 0);
  array upd = ua >= 0 ? moveaxis(u, ua, 0, s) : expand_dims(u, {0}, s);
  int ub = upd.ndim() - src_rank;  // index dims (with batch) in updates
  // Pad index dims to B' rank, then insert the batch slice axis.
  Shape ushape{upd.shape()[0]};
  for (size_t k = ub; k < bshape.size(); ++k) ushape.push_back(1);
  ushape.insert(ushape.end(), upd.shape().begin() + 1, upd.shape().begin() + ub);
  ushape.push_back(1);
  ushape.insert(ushape.end(), upd.shape().begin() + ub, upd.shape().end());
  upd = reshape(upd, ushape, s);
  Shape full = bshape;
  full.push_back(1);
  full.insert(full.end(), ushape.end() - src_rank, ushape.end());
  upd = broadcast_to(upd, full, s);
  return {{scatter(src, idx, upd, saxes, kind_, s)}, {0}};
}

}  // namespace ember

// ---- export

namespace ember {

void Gather::save(Writer& w) const {
  w.str("Gather");
  w.ints(axes_);
  w.ints(slice_sizes_);
}

void Scatter::save(Writer& w) const {
  w.str("Scatter");
  w.i64(kind_);
  w.ints(axes_);
}

bool load_indexing(const std::string& tag, Reader& r, const ReplayNode& node,
                   std::vector<array>& out) {
  Stream s = node.stream;
  if (tag == "Gather" || tag == "Scatter") {
    bool gather = tag == "Gather";
    int64_t kind = gather ? 0 : r.bounded(Scatter::None, Scatter::Min);
    auto axes = r.ints<int>();
    if (node.inputs.empty()) Reader::corrupt();
    for (int a : axes) {
      if (a < 0 || a >= node.inputs[0].ndim()) Reader::corrupt();
    }
    if (gather) {
      Shape slice_sizes = r.ints();
      // Each slice must fit inside the source, whatever the indices are.
      const Shape& src = node.inputs[0].shape();
      if (slice_sizes.size() != src.size()) Reader::corrupt();
      for (size_t i = 0; i < src.size(); ++i) {
        if (slice_sizes[i] < 0 || slice_sizes[i] > src[i]) Reader::corrupt();
      }
      out = node.make(std::make_shared<Gather>(s, axes, slice_sizes));
    } else {
      out = node.make(
          std::make_shared<Scatter>(s, static_cast<Scatter::Kind>(kind), axes));
    }
    return true;
  }
  return false;
}

}  // namespace ember
