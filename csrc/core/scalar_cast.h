// Conversions between the element types, with numpy's semantics for the
// corner cases (bool is "nonzero", complex to real drops the imaginary part).
#pragma once
#include <limits>
#include <type_traits>

#include "core/dispatch.h"

namespace ember {

template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;

template <typename To, typename From>
inline To cast_to(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_complex_v<From>) {
      return v.real() != 0 || v.imag() != 0;
    } else {
      return static_cast<double>(v) != 0;
    }
  } else if constexpr (is_complex_v<From>) {
    return cast_to<To>(v.real());
  } else if constexpr (is_complex_v<To>) {
    return complex64_t(static_cast<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<To, bfloat16_t> ||
                       std::is_same_v<From, bfloat16_t>) {
    return static_cast<To>(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<To> && !std::is_integral_v<From>) {
    // Float to int: NaN/inf/out-of-range are undefined in C++; saturate.
    double d = static_cast<double>(v);
    if (d != d) return To(0);
    if (d <= static_cast<double>(std::numeric_limits<To>::lowest())) {
      return std::numeric_limits<To>::lowest();
    }
    if (d >= static_cast<double>(std::numeric_limits<To>::max())) {
      return std::numeric_limits<To>::max();
    }
    return static_cast<To>(d);
  } else {
    return static_cast<To>(v);
  }
}

inline void store_scalar(void* dst, Dtype d, double v) {
  dispatch_all(d, [&](auto tag) {
    using T = typename decltype(tag)::type;
    *static_cast<T*>(dst) = cast_to<T>(v);
  });
}

}  // namespace ember
