#include "backend/common/views.h"

namespace ember::common {

bool reshape_strides(const Shape& old_shape, const Strides& old_strides,
                     const Shape& shape, Strides& out) {
  // Walk both shapes in groups whose element counts match; each old group
  // must be contiguous within itself to be re-split without a copy.
  Shape os;
  Strides ost;
  for (size_t i = 0; i < old_shape.size(); ++i) {
    if (old_shape[i] != 1) {
      os.push_back(old_shape[i]);
      ost.push_back(old_strides[i]);
    }
  }
  out.assign(shape.size(), 0);
  size_t oi = 0, ni = 0;
  while (ni < shape.size() || oi < os.size()) {
    if (ni < shape.size() && shape[ni] == 1) {
      out[ni] = oi < ost.size() ? ost[oi] * os[oi] : 1;
      ++ni;
      continue;
    }
    if (oi >= os.size() || ni >= shape.size()) return false;
    size_t o_end = oi + 1, n_end = ni + 1;
    int64_t op = os[oi], np = shape[ni];
    while (op != np) {
      if (op < np) {
        if (o_end >= os.size()) return false;
        op *= os[o_end++];
      } else {
        if (n_end >= shape.size()) return false;
        np *= shape[n_end++];
      }
    }
    for (size_t k = oi; k + 1 < o_end; ++k) {
      if (ost[k] != ost[k + 1] * os[k + 1]) return false;
    }
    int64_t stride = ost[o_end - 1];
    for (size_t k = n_end; k-- > ni;) {
      out[k] = stride;
      stride *= shape[k];
    }
    oi = o_end;
    ni = n_end;
  }
  return true;
}

namespace {

void set_view_of(array& out, const array& in, Strides strides, int64_t offset) {
  int64_t data_size;
  ArrayFlags f = layout_flags(out.shape(), strides, data_size);
  out.set_view(in, std::move(strides), offset, data_size, f);
}

}  // namespace

array row_contiguous(const array& in, CopyFn copy) {
  if (in.flags().row_contiguous) return in;
  array out(in.shape(), in.dtype(), nullptr, {});
  copy(in, out);
  out.mark_evaluated();
  out.detach();
  return out;
}

void reshape(const array& in, array& out, CopyFn copy) {
  if (in.flags().row_contiguous) {
    out.set_view(in, row_strides(out.shape()), in.offset(), out.size(), ArrayFlags{});
    return;
  }
  Strides st;
  if (reshape_strides(in.shape(), in.strides(), out.shape(), st)) {
    set_view_of(out, in, std::move(st), in.offset());
    return;
  }
  array flat = row_contiguous(in, copy);
  out.set_view(flat, row_strides(out.shape()), flat.offset(), out.size(), ArrayFlags{});
}

void transpose(const array& in, array& out, const std::vector<int64_t>& perm) {
  Strides st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) st[i] = in.strides()[perm[i]];
  set_view_of(out, in, std::move(st), in.offset());
}

void broadcast(const array& in, array& out) {
  Strides st(out.ndim(), 0);
  int lead = out.ndim() - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) {
    st[lead + i] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  set_view_of(out, in, std::move(st), in.offset());
}

void slice(const array& in, array& out, const Shape& start, const Shape& steps) {
  int64_t offset = in.offset();
  Strides st(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    offset += start[i] * in.strides()[i];
    st[i] = in.strides()[i] * steps[i];
  }
  set_view_of(out, in, std::move(st), offset);
}

void as_strided(const array& in, array& out, const Strides& strides,
                int64_t offset, CopyFn copy) {
  array src = row_contiguous(in, copy);
  set_view_of(out, src, strides, src.offset() + offset);
}

void bitcast(const array& in, array& out, CopyFn copy) {
  array src = row_contiguous(in, copy);
  int64_t byte_off = src.offset() * src.itemsize();
  out.set_view(src, row_strides(out.shape()), byte_off / out.itemsize(), out.size(),
               ArrayFlags{});
}

}  // namespace ember::common
