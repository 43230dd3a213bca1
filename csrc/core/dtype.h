// The 14 element types, their categories and MLX's promotion rules.
#pragma once
#include <complex>
#include <cstdint>
#include <string>

#include "core/half.h"

namespace ember {

using complex64_t = std::complex<float>;

struct Dtype {
  enum class Val : uint8_t {
    bool_,
    uint8,
    uint16,
    uint32,
    uint64,
    int8,
    int16,
    int32,
    int64,
    float16,
    float32,
    float64,
    bfloat16,
    complex64,
  };
  static constexpr int count = 14;

  Val val;
  constexpr Dtype(Val v) : val(v) {}
  constexpr int size() const {
    constexpr uint8_t sizes[] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 2, 8};
    return sizes[static_cast<int>(val)];
  }
  constexpr int index() const { return static_cast<int>(val); }
  constexpr bool operator==(const Dtype& o) const { return val == o.val; }
  constexpr bool operator!=(const Dtype& o) const { return val != o.val; }
};

inline constexpr Dtype bool_{Dtype::Val::bool_};
inline constexpr Dtype uint8{Dtype::Val::uint8};
inline constexpr Dtype uint16{Dtype::Val::uint16};
inline constexpr Dtype uint32{Dtype::Val::uint32};
inline constexpr Dtype uint64{Dtype::Val::uint64};
inline constexpr Dtype int8{Dtype::Val::int8};
inline constexpr Dtype int16{Dtype::Val::int16};
inline constexpr Dtype int32{Dtype::Val::int32};
inline constexpr Dtype int64{Dtype::Val::int64};
inline constexpr Dtype float16{Dtype::Val::float16};
inline constexpr Dtype float32{Dtype::Val::float32};
inline constexpr Dtype float64{Dtype::Val::float64};
inline constexpr Dtype bfloat16{Dtype::Val::bfloat16};
inline constexpr Dtype complex64{Dtype::Val::complex64};

enum class DtypeCategory {
  complexfloating,
  floating,
  inexact,
  signedinteger,
  unsignedinteger,
  integer,
  number,
  generic,
};

Dtype promote_types(Dtype a, Dtype b);
bool issubdtype(Dtype a, DtypeCategory c);
bool issubdtype(DtypeCategory a, DtypeCategory b);
bool issubdtype(Dtype a, Dtype b);
inline bool issubdtype(DtypeCategory, Dtype) { return false; }

// Name as Python prints it after "mlx.core.": "float32", "bool".
const char* dtype_name(Dtype d);
// Largest finite value of a floating dtype (complex64: of its parts).
double float_max(Dtype d);
const char* category_name(DtypeCategory c);
// numpy array-interface type character ("f", "i", ...), used for the buffer
// protocol; bfloat16 has none.
char dtype_kind(Dtype d);

inline bool is_floating(Dtype d) { return issubdtype(d, DtypeCategory::floating); }
inline bool is_inexact(Dtype d) { return issubdtype(d, DtypeCategory::inexact); }
inline bool is_integral(Dtype d) { return issubdtype(d, DtypeCategory::integer); }
inline bool is_unsigned(Dtype d) {
  return issubdtype(d, DtypeCategory::unsignedinteger);
}
inline bool is_complex(Dtype d) { return d == complex64; }

// C++ type of each dtype.
template <typename T>
struct TypeToDtype;
#define EMBER_TYPE_DTYPE(T, D) \
  template <>                  \
  struct TypeToDtype<T> {      \
    static constexpr Dtype value = D; \
  };
EMBER_TYPE_DTYPE(bool, bool_)
EMBER_TYPE_DTYPE(uint8_t, uint8)
EMBER_TYPE_DTYPE(uint16_t, uint16)
EMBER_TYPE_DTYPE(uint32_t, uint32)
EMBER_TYPE_DTYPE(uint64_t, uint64)
EMBER_TYPE_DTYPE(int8_t, int8)
EMBER_TYPE_DTYPE(int16_t, int16)
EMBER_TYPE_DTYPE(int32_t, int32)
EMBER_TYPE_DTYPE(int64_t, int64)
EMBER_TYPE_DTYPE(float16_t, float16)
EMBER_TYPE_DTYPE(float, float32)
EMBER_TYPE_DTYPE(double, float64)
EMBER_TYPE_DTYPE(bfloat16_t, bfloat16)
EMBER_TYPE_DTYPE(complex64_t, complex64)
#undef EMBER_TYPE_DTYPE

template <typename T>
inline constexpr Dtype dtype_of = TypeToDtype<T>::value;

}  // namespace ember
