// Device element types and conversions, for the .cu files only (they see
// no core headers: nvcc compiles kernels, g++ the glue around them).
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cuda/std/complex>
#include <cuda/std/type_traits>
#include <cstdint>

#include "backend/cuda/launch.h"
#include "ops/elementwise_rules.h"

namespace ember::cuda {

using c64 = ::cuda::std::complex<float>;

template <typename T>
inline constexpr bool is_half_v =
    ::cuda::std::is_same_v<T, __half> || ::cuda::std::is_same_v<T, __nv_bfloat16>;
template <typename T>
inline constexpr bool is_complex_v = ::cuda::std::is_same_v<T, c64>;
template <typename T>
inline constexpr bool is_float_v = ::cuda::std::is_floating_point_v<T> || is_half_v<T>;

// The elementwise rules' kind of a device element type.
template <typename T>
constexpr Kind kind_of() {
  if constexpr (is_complex_v<T>) return Kind::Complex;
  else if constexpr (::cuda::std::is_same_v<T, bool>) return Kind::Bool;
  else if constexpr (is_float_v<T>) return Kind::Floating;
  else return Kind::Integer;
}

// Arithmetic type of an element type: float for the 16-bit floats.
template <typename T>
struct Compute {
  using type = T;
};
template <>
struct Compute<__half> {
  using type = float;
};
template <>
struct Compute<__nv_bfloat16> {
  using type = float;
};
template <typename T>
using compute_t = typename Compute<T>::type;

// Any element type to any other, as the CPU's cast_to: through float for
// the 16-bit types, the real part of a complex, nonzero for bool.
template <typename Out, typename In>
__device__ __forceinline__ Out cast(In v) {
  if constexpr (::cuda::std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (is_half_v<In>) {
    return cast<Out>(static_cast<float>(v));
  } else if constexpr (is_complex_v<In>) {
    if constexpr (::cuda::std::is_same_v<Out, bool>) return v.real() != 0 || v.imag() != 0;
    else return cast<Out>(v.real());
  } else if constexpr (::cuda::std::is_same_v<Out, bool>) {
    return v != In(0);
  } else if constexpr (::cuda::std::is_same_v<Out, __half>) {
    return __float2half_rn(static_cast<float>(v));
  } else if constexpr (::cuda::std::is_same_v<Out, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(v));
  } else if constexpr (is_complex_v<Out>) {
    return c64(static_cast<float>(v), 0.0f);
  } else {
    return static_cast<Out>(v);
  }
}

template <typename T>
struct Tag {
  using type = T;
};

// Runs f(Tag<T>{}) for the device type of a dtype code (core/dtype.h order).
template <typename F>
__host__ void dispatch(int code, F&& f) {
  switch (code) {
    case kBool: return f(Tag<bool>{});
    case kUInt8: return f(Tag<uint8_t>{});
    case kUInt16: return f(Tag<uint16_t>{});
    case kUInt32: return f(Tag<uint32_t>{});
    case kUInt64: return f(Tag<uint64_t>{});
    case kInt8: return f(Tag<int8_t>{});
    case kInt16: return f(Tag<int16_t>{});
    case kInt32: return f(Tag<int32_t>{});
    case kInt64: return f(Tag<int64_t>{});
    case kFloat16: return f(Tag<__half>{});
    case kFloat32: return f(Tag<float>{});
    case kFloat64: return f(Tag<double>{});
    case kBFloat16: return f(Tag<__nv_bfloat16>{});
    case kComplex64: return f(Tag<c64>{});
  }
}

// Offset of element `i` (row-major position) in a strided layout.
__device__ __forceinline__ int64_t elem_offset(int64_t i, const Layout& l) {
  int64_t off = 0;
#pragma unroll 4
  for (int d = l.ndim - 1; d >= 0; --d) {
    int64_t q = i / l.shape[d];
    off += (i - q * l.shape[d]) * l.strides[d];
    i = q;
  }
  return off;
}

}  // namespace ember::cuda
