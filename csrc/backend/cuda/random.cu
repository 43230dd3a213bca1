// Kernel of RandomBits: random/threefry.h with the CPU's counter layout
// (backend/cpu/random.cpp), so a key gives the same bits on both devices.
#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"
#include "random/threefry.h"

namespace ember::cuda {

namespace {

// Word i and word i + half + odd of each key's block come from counter
// (i, i + half + odd); an odd middle word from (half, 0).
__global__ void bits_kernel(const uint32_t* keys, Layout kl, int64_t key_stride,
                            int64_t num_keys, int64_t per_key, uint32_t* out) {
  int64_t half = per_key / 2, odd = per_key % 2, slots = half + odd;
  int64_t total = num_keys * slots;
  for (int64_t t = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; t < total;
       t += int64_t(gridDim.x) * blockDim.x) {
    int64_t j = t / slots, i = t - j * slots;
    const uint32_t* key = keys + elem_offset(j, kl);
    uint32_t k0 = key[0], k1 = key[key_stride];
    uint32_t* d = out + j * per_key;
    if (i < half) {
      threefry2x32(k0, k1, uint32_t(i), uint32_t(i + half + odd), d[i], d[i + half + odd]);
    } else {
      uint32_t unused;
      threefry2x32(k0, k1, uint32_t(half), 0, d[half], unused);
    }
  }
}

}  // namespace

void launch_random_bits(const uint32_t* keys, const Layout& key_layout, int64_t key_stride,
                        int64_t num_keys, int64_t per_key, uint32_t* out, cudaStream_t s) {
  int64_t n = num_keys * (per_key / 2 + per_key % 2);
  if (n == 0) return;
  bits_kernel<<<blocks_for(n), kThreads, 0, s>>>(keys, key_layout, key_stride, num_keys,
                                                  per_key, out);
}

}  // namespace ember::cuda
