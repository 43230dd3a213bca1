// Row kernels: softmax, rms_norm and layer_norm, one thread block per row,
// computing in float32 for the 16-bit floats (float64 for float64).
#include <cuda/std/limits>

#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"
#include "backend/cuda/reduce.h"

namespace ember::cuda {

namespace {

constexpr int kRowThreads = 256;

// Sum over the block; every thread gets the total.
template <typename A>
__device__ A block_sum(A v) {
  __shared__ A partial[32];
  __shared__ A total;
  for (int d = 16; d > 0; d >>= 1) v += __shfl_down_sync(0xffffffffu, v, d);
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < int(blockDim.x / 32) ? partial[lane] : A(0);
    for (int d = 16; d > 0; d >>= 1) v += __shfl_down_sync(0xffffffffu, v, d);
    if (lane == 0) total = v;
  }
  __syncthreads();
  A t = total;
  __syncthreads();  // `total` may be reused by the next call
  return t;
}

// Running (max, sum of exp(x - max)) of a row, merged across the block.
template <typename A>
__device__ void merge_online(A& m, A& s, A om, A os) {
  if (os == A(0)) return;
  if (s == A(0)) {
    m = om, s = os;
  } else if (om > m) {
    s = s * ::cuda::std::exp(m - om) + os;
    m = om;
  } else {
    s += os * ::cuda::std::exp(om - m);
  }
}

// Rows that fit are kept in shared memory: read once, written once.
constexpr int64_t kRowCacheBytes = 48 * 1024;

template <typename T>
__global__ void softmax_kernel(const T* in, Layout rows, int64_t stride, int64_t k, T* out,
                               bool cached) {
  using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
  extern __shared__ unsigned char row_cache[];
  A* cache = reinterpret_cast<A*>(row_cache);
  const T* x = in + elem_offset(blockIdx.x, rows);
  T* y = out + int64_t(blockIdx.x) * k;
  const A ninf = -::cuda::std::numeric_limits<A>::infinity();
  A m = ninf, s = 0;
  bool nan = false;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A v = static_cast<A>(x[j * stride]);
    if (cached) cache[j] = v;
    nan |= v != v;
    if (v == ninf || v != v) continue;  // adds nothing (a NaN row is all NaN)
    if (v > m) {
      s = s * ::cuda::std::exp(m - v) + A(1);
      m = v;
    } else {
      s += ::cuda::std::exp(v - m);
    }
  }
  __shared__ A ms[32], ss[32];
  __shared__ A gm, gs;
  for (int d = 16; d > 0; d >>= 1) {
    A om = __shfl_down_sync(0xffffffffu, m, d);
    A os = __shfl_down_sync(0xffffffffu, s, d);
    merge_online(m, s, om, os);
  }
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) ms[warp] = m, ss[warp] = s;
  __syncthreads();
  if (warp == 0) {
    int warps = blockDim.x / 32;
    m = lane < warps ? ms[lane] : ninf;
    s = lane < warps ? ss[lane] : A(0);
    for (int d = 16; d > 0; d >>= 1) {
      A om = __shfl_down_sync(0xffffffffu, m, d);
      A os = __shfl_down_sync(0xffffffffu, s, d);
      merge_online(m, s, om, os);
    }
    if (lane == 0) gm = m, gs = s;
  }
  __syncthreads();
  bool any_nan = __syncthreads_or(nan);
  A inv = A(1) / gs;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A v = cached ? cache[j] : static_cast<A>(x[j * stride]);
    A r = any_nan ? ::cuda::std::numeric_limits<A>::quiet_NaN() : ::cuda::std::exp(v - gm) * inv;
    y[j] = cast<T>(r);
  }
}

template <typename T>
__global__ void rms_norm_kernel(const T* x, const T* w, int64_t ws, int64_t k, float eps,
                                T* out, bool cached) {
  using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
  extern __shared__ unsigned char row_cache[];
  A* cache = reinterpret_cast<A*>(row_cache);
  const T* xr = x + int64_t(blockIdx.x) * k;
  T* yr = out + int64_t(blockIdx.x) * k;
  A ss = 0;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A v = static_cast<A>(xr[j]);
    if (cached) cache[j] = v;
    ss += v * v;
  }
  ss = block_sum(ss);
  A inv = A(1) / ::cuda::std::sqrt(ss / A(k) + A(eps));
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A v = cached ? cache[j] : static_cast<A>(xr[j]);
    T y = cast<T>(v * inv);
    yr[j] = w ? cast<T>(static_cast<A>(y) * static_cast<A>(w[j * ws])) : y;
  }
}

template <typename T>
__global__ void layer_norm_kernel(const T* x, const T* w, int64_t ws, const T* b, int64_t bs,
                                  int64_t k, float eps, T* out, bool cached) {
  using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
  extern __shared__ unsigned char row_cache[];
  A* cache = reinterpret_cast<A*>(row_cache);
  const T* xr = x + int64_t(blockIdx.x) * k;
  T* yr = out + int64_t(blockIdx.x) * k;
  auto at = [&](int64_t j) { return cached ? cache[j] : static_cast<A>(xr[j]); };
  // Two passes (mean, then squared deviations), as on the CPU.
  A sum = 0;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A v = static_cast<A>(xr[j]);
    if (cached) cache[j] = v;
    sum += v;
  }
  A mu = block_sum(sum) / A(k);
  A ss = 0;
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A c = at(j) - mu;
    ss += c * c;
  }
  A inv = A(1) / ::cuda::std::sqrt(block_sum(ss) / A(k) + A(eps));
  for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
    A y = static_cast<A>(cast<T>((at(j) - mu) * inv));
    if (w) y = static_cast<A>(cast<T>(y * static_cast<A>(w[j * ws])));
    if (b) y = y + static_cast<A>(b[j * bs]);
    yr[j] = cast<T>(y);
  }
}

template <typename F>
void dispatch_float(int code, F&& f) {
  switch (code) {
    case kFloat16: return f(Tag<__half>{});
    case kFloat32: return f(Tag<float>{});
    case kFloat64: return f(Tag<double>{});
    case kBFloat16: return f(Tag<__nv_bfloat16>{});
  }
}

}  // namespace

void launch_softmax(const void* in, int code, const Layout& rows, int64_t stride, int64_t m,
                    int64_t k, void* out, cudaStream_t s) {
  if (m == 0 || k == 0) return;
  dispatch_float(code, [&](auto t) {
    using T = typename decltype(t)::type;
    using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
    bool cached = k * int64_t(sizeof(A)) <= kRowCacheBytes;
    size_t smem = cached ? k * sizeof(A) : 0;
    softmax_kernel<T><<<unsigned(m), kRowThreads, smem, s>>>(
        static_cast<const T*>(in), rows, stride, k, static_cast<T*>(out), cached);
  });
}

void launch_rms_norm(const void* x, const void* w, int64_t w_stride, int code, int64_t m,
                     int64_t k, float eps, void* out, cudaStream_t s) {
  if (m == 0 || k == 0) return;
  dispatch_float(code, [&](auto t) {
    using T = typename decltype(t)::type;
    using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
    bool cached = k * int64_t(sizeof(A)) <= kRowCacheBytes;
    rms_norm_kernel<T><<<unsigned(m), kRowThreads, cached ? k * sizeof(A) : 0, s>>>(
        static_cast<const T*>(x), static_cast<const T*>(w), w_stride, k, eps,
        static_cast<T*>(out), cached);
  });
}

void launch_layer_norm(const void* x, const void* w, int64_t w_stride, const void* b,
                       int64_t b_stride, int code, int64_t m, int64_t k, float eps,
                       void* out, cudaStream_t s) {
  if (m == 0 || k == 0) return;
  dispatch_float(code, [&](auto t) {
    using T = typename decltype(t)::type;
    using A = ::cuda::std::conditional_t<::cuda::std::is_same_v<T, double>, double, float>;
    bool cached = k * int64_t(sizeof(A)) <= kRowCacheBytes;
    layer_norm_kernel<T><<<unsigned(m), kRowThreads, cached ? k * sizeof(A) : 0, s>>>(
        static_cast<const T*>(x), static_cast<const T*>(w), w_stride,
        static_cast<const T*>(b), b_stride, k, eps, static_cast<T*>(out), cached);
  });
}

}  // namespace ember::cuda
