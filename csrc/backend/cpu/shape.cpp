// Kernels of the shape family: views through backend/common/views.h where
// the layout allows, copies otherwise.
#include "ops/shape.h"

#include "backend/common/views.h"
#include "backend/cpu/copy.h"

namespace ember {

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::reshape(inputs[0], out, cpu::copy_to_new);
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::transpose(inputs[0], out, params());
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::broadcast(inputs[0], out);
}

void BroadcastBatch::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::broadcast(inputs[0], out);
}

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::slice(inputs[0], out, start(), steps());
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
  if (src.flags().row_contiguous && src.owns_memory_on(Device::Type::cpu) &&
      src.data_size() == src.size()) {
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
  common::as_strided(inputs[0], out, strides(), offset(), cpu::copy_to_new);
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
