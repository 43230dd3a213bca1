// GPU kernels of the shape family (ops/shape.h): the shared views of
// backend/common/views.h, and the ops that write memory.
#include "ops/shape.h"

#include "backend/cuda/utils.h"

namespace ember::cuda {

namespace {

void reshape(const Reshape&, const std::vector<array>& in, array& out, const Context& ctx) {
  common::reshape(in[0], out, view_copy(ctx));
}
void transpose(const Transpose& p, const std::vector<array>& in, array& out,
               const Context&) {
  common::transpose(in[0], out, p.params());
}
void broadcast(const Broadcast&, const std::vector<array>& in, array& out, const Context&) {
  common::broadcast(in[0], out);
}
void broadcast_batch(const BroadcastBatch&, const std::vector<array>& in, array& out,
                     const Context&) {
  common::broadcast(in[0], out);
}
void slice(const Slice& p, const std::vector<array>& in, array& out, const Context&) {
  common::slice(in[0], out, p.start(), p.steps());
}
void as_strided(const AsStrided& p, const std::vector<array>& in, array& out,
                const Context& ctx) {
  common::as_strided(in[0], out, p.strides(), p.offset(), view_copy(ctx));
}

void slice_update(const SliceUpdate& p, const std::vector<array>& inputs, array& out,
                  const Context& ctx) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  if (src.dtype() != out.dtype() || upd.dtype() != out.dtype()) {
    throw std::runtime_error("[slice_update] Operand dtypes differ from the result's.");
  }
  // Write in place when nothing else can see the source's memory.
  if (src.flags().row_contiguous && src.owns_memory_on(Device::Type::gpu) &&
      src.data_size() == src.size()) {
    out.copy_layout(src);
  } else {
    copy_to_new(src, out, ctx);
  }
  int64_t offset = 0;
  Strides st(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += p.start()[i] * out.strides()[i];
    st[i] = out.strides()[i] * p.steps()[i];
  }
  copy_into(upd, out, st, offset, ctx);
}

void pad(const Pad& p, const std::vector<array>& inputs, array& out, const Context& ctx) {
  alloc_out(out, ctx);
  const array& value = inputs[1];
  Scalar v;
  bool host = host_scalar(value, v);
  launch_fill(mptr<char>(out), code(out.dtype()), host ? nullptr : dptr<char>(value),
              code(value.dtype()), out.size(), ctx.cu, host ? &v : nullptr);
  int64_t offset = 0;
  for (int i = 0; i < out.ndim(); ++i) offset += p.low()[i] * out.strides()[i];
  copy_into(inputs[0], out, out.strides(), offset, ctx);
}

void concatenate(const Concatenate& p, const std::vector<array>& inputs, array& out,
                 const Context& ctx) {
  alloc_out(out, ctx);
  int64_t pos = 0;
  for (auto& in : inputs) {
    copy_into(in, out, out.strides(), pos * out.strides()[p.axis()], ctx);
    pos += in.shape()[p.axis()];
  }
}

}  // namespace

void register_shape_kernels() {
  register_unary_output<Reshape, reshape>();
  register_unary_output<Transpose, transpose>();
  register_unary_output<Broadcast, broadcast>();
  register_unary_output<BroadcastBatch, broadcast_batch>();
  register_unary_output<Slice, slice>();
  register_unary_output<AsStrided, as_strided>();
  register_unary_output<SliceUpdate, slice_update>();
  register_unary_output<Pad, pad>();
  register_unary_output<Concatenate, concatenate>();
}

}  // namespace ember::cuda
