// GPU glue of the fast family (fast/fast.h): rms_norm and layer_norm. The
// other fused primitives run as their composition of ordinary ops until
// they have kernels (device.cpp).
#include "fast/fast.h"

#include "backend/cuda/reduce.h"
#include "backend/cuda/utils.h"

namespace ember::cuda {

namespace {

// Stride of a 1-D weight or bias over the last axis (0 when broadcast).
int64_t param_stride(const array& p) { return p.ndim() == 0 ? 0 : p.strides().back(); }

void rms_norm(Primitive& prim, const std::vector<array>& inputs, std::vector<array>& outputs,
              const Context& ctx) {
  auto& p = static_cast<fast::RMSNorm&>(prim);
  array x = common::row_contiguous(inputs[0], view_copy(ctx));
  array& out = outputs[0];
  alloc_out(out, ctx);
  int64_t k = x.ndim() ? x.shape().back() : 1;
  const void* w = p.has_weight() ? dptr<char>(inputs[1]) : nullptr;
  int64_t ws = p.has_weight() ? param_stride(inputs[1]) : 0;
  launch_rms_norm(dptr<char>(x), w, ws, code(x.dtype()), k ? x.size() / k : 0, k, p.eps(),
                  mptr<char>(out), ctx.cu);
}

void layer_norm(Primitive& prim, const std::vector<array>& inputs,
                std::vector<array>& outputs, const Context& ctx) {
  auto& p = static_cast<fast::LayerNorm&>(prim);
  array x = common::row_contiguous(inputs[0], view_copy(ctx));
  array& out = outputs[0];
  alloc_out(out, ctx);
  int64_t k = x.ndim() ? x.shape().back() : 1;
  const void *w = nullptr, *b = nullptr;
  int64_t ws = 0, bs = 0;
  size_t next = 1;
  if (p.has_weight()) w = dptr<char>(inputs[next]), ws = param_stride(inputs[next]), ++next;
  if (p.has_bias()) b = dptr<char>(inputs[next]), bs = param_stride(inputs[next]);
  launch_layer_norm(dptr<char>(x), w, ws, b, bs, code(x.dtype()), k ? x.size() / k : 0, k,
                    p.eps(), mptr<char>(out), ctx.cu);
}

}  // namespace

void register_fast_kernels() {
  register_kernel(typeid(fast::RMSNorm), rms_norm);
  register_kernel(typeid(fast::LayerNorm), layer_norm);
}

}  // namespace ember::cuda
