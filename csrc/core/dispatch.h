// Runs a generic lambda with the C++ type of a dtype:
//   dispatch_all(a.dtype(), [&](auto tag) { using T = decltype(tag)::type; });
#pragma once
#include "core/dtype.h"
#include "core/errors.h"

namespace ember {

template <typename T>
struct TypeTag {
  using type = T;
};

template <typename F>
decltype(auto) dispatch_all(Dtype d, F&& f) {
  switch (d.val) {
    case Dtype::Val::bool_: return f(TypeTag<bool>{});
    case Dtype::Val::uint8: return f(TypeTag<uint8_t>{});
    case Dtype::Val::uint16: return f(TypeTag<uint16_t>{});
    case Dtype::Val::uint32: return f(TypeTag<uint32_t>{});
    case Dtype::Val::uint64: return f(TypeTag<uint64_t>{});
    case Dtype::Val::int8: return f(TypeTag<int8_t>{});
    case Dtype::Val::int16: return f(TypeTag<int16_t>{});
    case Dtype::Val::int32: return f(TypeTag<int32_t>{});
    case Dtype::Val::int64: return f(TypeTag<int64_t>{});
    case Dtype::Val::float16: return f(TypeTag<float16_t>{});
    case Dtype::Val::float32: return f(TypeTag<float>{});
    case Dtype::Val::float64: return f(TypeTag<double>{});
    case Dtype::Val::bfloat16: return f(TypeTag<bfloat16_t>{});
    case Dtype::Val::complex64: return f(TypeTag<complex64_t>{});
  }
  __builtin_unreachable();
}

// Real (non-complex) types only; complex raises TypeError.
template <typename F>
decltype(auto) dispatch_real(Dtype d, const char* op, F&& f) {
  if (d == complex64) {
    throw TypeError(std::string("[") + op + "] Not supported for complex64.");
  }
  return dispatch_all(d, [&](auto tag) -> decltype(auto) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, complex64_t>) {
      return f(TypeTag<float>{});  // unreachable
    } else {
      return f(tag);
    }
  });
}

// Real floating types only (float16, bfloat16, float32, float64).
template <typename F>
decltype(auto) dispatch_float(Dtype d, const char* op, F&& f) {
  switch (d.val) {
    case Dtype::Val::float16: return f(TypeTag<float16_t>{});
    case Dtype::Val::float32: return f(TypeTag<float>{});
    case Dtype::Val::float64: return f(TypeTag<double>{});
    case Dtype::Val::bfloat16: return f(TypeTag<bfloat16_t>{});
    default:
      throw TypeError(std::string("[") + op + "] Expected a floating point dtype, got " +
                      dtype_name(d) + ".");
  }
}

// The type arithmetic is done in: half types compute in float.
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<float16_t> {
  using type = float;
};
template <>
struct ComputeType<bfloat16_t> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeType<T>::type;

}  // namespace ember
