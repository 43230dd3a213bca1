// GPU kernels of the copy family (ops/copy.h): AsType, Copy, View, Full,
// Arange, Depends.
#include "ops/copy.h"

#include "backend/common/views.h"
#include "backend/cuda/utils.h"

namespace ember::cuda {

namespace {

void as_type(const AsType&, const std::vector<array>& inputs, array& out,
             const Context& ctx) {
  const array& in = inputs[0];
  if (in.flags().contiguous && in.data_size() == in.size()) {
    // Dense input: convert the flat span and keep its layout.
    alloc_out(out, in, ctx);
    launch_copy(dptr<char>(in), code(in.dtype()), nullptr, mptr<char>(out),
                code(out.dtype()), nullptr, in.size(), ctx.cu);
    return;
  }
  copy_to_new(in, out, ctx);
}

void copy(const Copy& p, const std::vector<array>& inputs, array& out, const Context& ctx) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (p.allows_col_major() && in.flags().col_contiguous)) {
    out.copy_layout(in);
    return;
  }
  copy_to_new(in, out, ctx);
}

void view(const View&, const std::vector<array>& inputs, array& out, const Context& ctx) {
  common::bitcast(inputs[0], out, view_copy(ctx));
}

void full(const Full&, const std::vector<array>& inputs, array& out, const Context& ctx) {
  const array& in = inputs[0];
  if (in.size() != 1) {
    copy_to_new(in, out, ctx);  // the builder broadcast the input
    return;
  }
  alloc_out(out, ctx);
  Scalar value;
  bool host = host_scalar(in, value);
  launch_fill(mptr<char>(out), code(out.dtype()), host ? nullptr : dptr<char>(in),
              code(in.dtype()), out.size(), ctx.cu, host ? &value : nullptr);
}

void arange(const Arange& p, const std::vector<array>&, array& out, const Context& ctx) {
  alloc_out(out, ctx);
  launch_arange(mptr<char>(out), code(out.dtype()), p.start(), p.step(), out.size(),
                ctx.cu);
}

void depends(Primitive& p, const std::vector<array>& inputs, std::vector<array>& outputs,
             const Context&) {
  size_t n = static_cast<Depends&>(p).count();
  for (size_t i = 0; i < n; ++i) outputs[i].copy_layout(inputs[i]);
}

}  // namespace

void register_copy_kernels() {
  register_unary_output<AsType, as_type>();
  register_unary_output<Copy, copy>();
  register_unary_output<View, view>();
  register_unary_output<Full, full>();
  register_unary_output<Arange, arange>();
  register_kernel(typeid(Depends), depends);
}

}  // namespace ember::cuda
