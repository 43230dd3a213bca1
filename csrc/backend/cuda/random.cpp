// GPU glue of RandomBits (random/random.h).
#include "random/random.h"

#include "backend/cuda/utils.h"
#include "core/errors.h"

namespace ember::cuda {

void launch_random_bits(const uint32_t* keys, const Layout& key_layout, int64_t key_stride,
                        int64_t num_keys, int64_t per_key, uint32_t* out, cudaStream_t s);

namespace {

void random_bits(const RandomBits&, const std::vector<array>& inputs, array& out,
                 const Context& ctx) {
  const array& keys = inputs[0];
  if (keys.dtype() != uint32 || keys.ndim() == 0 || keys.shape().back() != 2) {
    throw ValueError("[random] A key must be a uint32 array of shape (2,).");
  }
  alloc_out(out, ctx);
  int64_t num_keys = keys.size() / 2;
  if (num_keys == 0 || out.size() == 0) return;
  Shape lead(keys.shape().begin(), keys.shape().end() - 1);
  Strides lead_st(keys.strides().begin(), keys.strides().end() - 1);
  Layout kl = layouts(lead, {lead_st}, "random")[0];
  launch_random_bits(dptr<uint32_t>(keys), kl, keys.strides().back(), num_keys,
                     out.size() / num_keys, mptr<uint32_t>(out), ctx.cu);
}

}  // namespace

void register_random_kernels() { register_unary_output<RandomBits, random_bits>(); }

}  // namespace ember::cuda
