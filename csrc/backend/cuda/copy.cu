// Kernels of the copy family: strided casts between any two dtypes, fill,
// arange.
#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"

namespace ember::cuda {

namespace {

template <typename In, typename Out>
__global__ void copy_kernel(const In* in, Layout il, Out* out, Layout ol, int64_t n) {
  bool in_flat = il.ndim == 0, out_flat = ol.ndim == 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    In v = in[in_flat ? i : elem_offset(i, il)];
    out[out_flat ? i : elem_offset(i, ol)] = cast<Out>(v);
  }
}

template <typename In, typename Out>
__global__ void copy_flat_kernel(const In* __restrict__ in, Out* __restrict__ out,
                                 int64_t n) {
  elementwise_flat(n, [&](int64_t i) { out[i] = cast<Out>(in[i]); });
}

template <typename In, typename Out>
__global__ void copy_vec_kernel(const In* __restrict__ in, Out* __restrict__ out, int64_t n) {
  elementwise_vec4(
      n,
      [&](int64_t base) {
        Pack4<In> vi = *reinterpret_cast<const Pack4<In>*>(in + base);
        Pack4<Out> vo;
#pragma unroll
        for (int k = 0; k < 4; ++k) vo.v[k] = cast<Out>(vi.v[k]);
        *reinterpret_cast<Pack4<Out>*>(out + base) = vo;
      },
      [&](int64_t i) { out[i] = cast<Out>(in[i]); });
}

template <typename T, typename V>
__global__ void fill_kernel(T* out, const V* value, Scalar host, int64_t n) {
  V raw;
  if (value) {
    raw = *value;
  } else {
    memcpy(&raw, host.bytes, sizeof(V));
  }
  T v = cast<T>(raw);
  elementwise_flat(n, [&](int64_t i) { out[i] = v; });
}

template <typename T>
__global__ void arange_kernel(T* out, double start, double step, int64_t n) {
  elementwise_flat(n, [&](int64_t i) {
    if constexpr (::cuda::std::is_integral_v<T> && !::cuda::std::is_same_v<T, bool>) {
      // As on the CPU: truncated start and step, 64-bit arithmetic, wrapped.
      int64_t first = static_cast<int64_t>(start), by = static_cast<int64_t>(step);
      out[i] = static_cast<T>(first + i * by);
    } else {
      out[i] = cast<T>(i == 0 ? start : start + static_cast<double>(i) * step);
    }
  });
}

}  // namespace

void launch_copy(const void* in, int in_code, const Layout* in_layout, void* out,
                 int out_code, const Layout* out_layout, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  dispatch(in_code, [&](auto it) {
    using In = typename decltype(it)::type;
    dispatch(out_code, [&](auto ot) {
      using Out = typename decltype(ot)::type;
      if (!in_layout && !out_layout && aligned4(in, sizeof(In)) &&
          aligned4(out, sizeof(Out))) {
        copy_vec_kernel<In, Out><<<vec4_blocks(n), kThreads, 0, s>>>(
            static_cast<const In*>(in), static_cast<Out*>(out), n);
        return;
      }
      if (!in_layout && !out_layout) {
        copy_flat_kernel<In, Out><<<flat_blocks(n), kThreads, 0, s>>>(
            static_cast<const In*>(in), static_cast<Out*>(out), n);
        return;
      }
      Layout none;
      copy_kernel<In, Out><<<blocks_for(n), kThreads, 0, s>>>(
          static_cast<const In*>(in), in_layout ? *in_layout : none,
          static_cast<Out*>(out), out_layout ? *out_layout : none, n);
    });
  });
}

void launch_fill(void* out, int out_code, const void* value, int value_code, int64_t n,
                 cudaStream_t s, const Scalar* host) {
  if (n == 0) return;
  dispatch(out_code, [&](auto ot) {
    using T = typename decltype(ot)::type;
    dispatch(value_code, [&](auto vt) {
      using V = typename decltype(vt)::type;
      Scalar none{};
      fill_kernel<T, V><<<flat_blocks(n), kThreads, 0, s>>>(
          static_cast<T*>(out), static_cast<const V*>(value), host ? *host : none, n);
    });
  });
}

void launch_arange(void* out, int code, double start, double step, int64_t n,
                   cudaStream_t s) {
  if (n == 0) return;
  dispatch(code, [&](auto t) {
    using T = typename decltype(t)::type;
    if constexpr (!is_complex_v<T>) {
      arange_kernel<T><<<flat_blocks(n), kThreads, 0, s>>>(static_cast<T*>(out), start,
                                                           step, n);
    }
  });
}

}  // namespace ember::cuda
