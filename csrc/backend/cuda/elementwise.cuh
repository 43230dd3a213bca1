// Launch shapes and loops shared by the elementwise kernels.
#pragma once
#include <cstdint>

namespace ember::cuda {

constexpr int kThreads = 256;
// Elements each thread of a flat kernel handles per pass: independent
// loads in flight hide memory latency.
constexpr int kUnroll = 4;

inline unsigned blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > (1 << 20) ? (1 << 20) : b));
}
inline unsigned flat_blocks(int64_t n) {
  int64_t per_block = int64_t(kThreads) * kUnroll;
  int64_t b = (n + per_block - 1) / per_block;
  return static_cast<unsigned>(b < 1 ? 1 : (b > (1 << 20) ? (1 << 20) : b));
}

// f(i) for every i < n: each thread takes kUnroll elements kThreads apart
// per pass (coalesced), grid-striding over the rest.
template <typename F>
__device__ __forceinline__ void elementwise_flat(int64_t n, F&& f) {
  int64_t step = int64_t(gridDim.x) * kThreads * kUnroll;
  for (int64_t base = int64_t(blockIdx.x) * kThreads * kUnroll + threadIdx.x; base < n;
       base += step) {
#pragma unroll
    for (int k = 0; k < kUnroll; ++k) {
      int64_t i = base + int64_t(k) * kThreads;
      if (i < n) f(i);
    }
  }
}

}  // namespace ember::cuda

namespace ember::cuda {

// Four consecutive elements, loaded and stored as one wide access.
template <typename T>
struct alignas(sizeof(T) * 4) Pack4 {
  T v[4];
};

inline bool aligned4(const void* p, int size) {
  return p == nullptr || reinterpret_cast<uintptr_t>(p) % (4 * size) == 0;
}

// f(i) for every i < n, four consecutive elements per thread per pass:
// `vec(base)` handles a whole pack at base (a multiple of 4), `one(i)` the
// tail. Pointers used by `vec` must be aligned to a pack.
template <typename Vec, typename One>
__device__ __forceinline__ void elementwise_vec4(int64_t n, Vec&& vec, One&& one) {
  int64_t step = int64_t(gridDim.x) * blockDim.x * 4;
  for (int64_t base = (int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * 4; base < n;
       base += step) {
    if (base + 4 <= n) {
      vec(base);
    } else {
      for (int64_t i = base; i < n; ++i) one(i);
    }
  }
}

inline unsigned vec4_blocks(int64_t n) {
  int64_t per_block = int64_t(kThreads) * 4;
  int64_t b = (n + per_block - 1) / per_block;
  return static_cast<unsigned>(b < 1 ? 1 : (b > (1 << 20) ? (1 << 20) : b));
}

}  // namespace ember::cuda
