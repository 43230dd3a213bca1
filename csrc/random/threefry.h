// Threefry-2x32-20 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3"): a keyed bijection of the 64-bit counter (c0, c1). One source
// for the CPU and the CUDA kernels, so a key gives the same bits on both.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define EMBER_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define EMBER_HOST_DEVICE inline
#endif

namespace ember {

EMBER_HOST_DEVICE uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

EMBER_HOST_DEVICE void threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                                    uint32_t& out0, uint32_t& out1) {
  constexpr int kRot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  const uint32_t ks[3] = {k0, k1, 0x1BD11BDAu ^ k0 ^ k1};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  for (uint32_t group = 0; group < 5; ++group) {
    for (int j = 0; j < 4; ++j) {
      x0 += x1;
      x1 = rotl32(x1, kRot[(group % 2) * 4 + j]);
      x1 ^= x0;
    }
    x0 += ks[(group + 1) % 3];
    x1 += ks[(group + 2) % 3] + group + 1;
  }
  out0 = x0;
  out1 = x1;
}

}  // namespace ember
