// Kernels of the shape family: views where possible, copies otherwise.
#include "ops/shape.h"

#include "backend/cpu/copy.h"

namespace ember {

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

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous) {
    out.set_view(in, row_strides(out.shape()), in.offset(), out.size(),
                 ArrayFlags{});
    return;
  }
  Strides st;
  if (reshape_strides(in.shape(), in.strides(), out.shape(), st)) {
    set_view_of(out, in, std::move(st), in.offset());
    return;
  }
  array flat(in.shape(), in.dtype(), nullptr, {});
  cpu::copy_to_new(in, flat);
  out.set_view(flat, row_strides(out.shape()), 0, out.size(), ArrayFlags{});
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides st(perm_.size());
  for (size_t i = 0; i < perm_.size(); ++i) st[i] = in.strides()[perm_[i]];
  set_view_of(out, in, std::move(st), in.offset());
}

namespace {

// out as a view of in with zero strides on the broadcast (size-1 or new
// leading) axes: Broadcast and BroadcastBatch.
void broadcast_view(const array& in, array& out) {
  Strides st(out.ndim(), 0);
  int lead = out.ndim() - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) {
    st[lead + i] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  }
  set_view_of(out, in, std::move(st), in.offset());
}

}  // namespace

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  broadcast_view(inputs[0], out);
}

void BroadcastBatch::eval_cpu(const std::vector<array>& inputs, array& out) {
  broadcast_view(inputs[0], out);
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  int64_t offset = in.offset();
  Strides st(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    offset += start_[i] * in.strides()[i];
    st[i] = in.strides()[i] * strides_[i];
  }
  set_view_of(out, in, std::move(st), offset);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  // The kernel moves elements of out's size: operands of another dtype (a
  // graph built or imported inconsistently) would write past the buffer.
  if (src.dtype() != out.dtype() || upd.dtype() != out.dtype()) {
    throw std::runtime_error("[slice_update] Operand dtypes differ from the result's.");
  }
  // Write in place when nothing else can see the source's memory.
  if (src.flags().row_contiguous && src.use_count() == 1 &&
      src.buffer().use_count() == 1 && src.data_size() == src.size()) {
    out.copy_layout(src);
  } else {
    cpu::copy_to_new(src, out);
  }
  int64_t offset = 0;
  Strides st(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += start_[i] * out.strides()[i];
    st[i] = out.strides()[i] * strides_[i];
  }
  cpu::copy_into(upd, out, st, offset);
}

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::fill(inputs[1], out);
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) offset += lo_[i] * out.strides()[i];
  cpu::copy_into(inputs[0], out, out.strides(), offset);
}

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  array in = cpu::ensure_row_contiguous(inputs[0]);
  set_view_of(out, in, strides_, in.offset() + offset_);
}

void Concatenate::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocate(out.nbytes()));
  int64_t pos = 0;
  for (auto& in : inputs) {
    cpu::copy_into(in, out, out.strides(), pos * out.strides()[axis_]);
    pos += in.shape()[axis_];
  }
}

}  // namespace ember
