// Device functors of the binary table (ops/binary.def), with the CPU's
// semantics (backend/cpu/binary_ops.h), called with the compute type.
#pragma once
#include <cuda/std/cmath>

#include "backend/cuda/unary_ops.cuh"

namespace ember::cuda::dev {

// numpy orders complex numbers lexicographically.
template <typename T>
EMBER_DEV bool less_than(T a, T b) {
  if constexpr (cplx<T>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}
template <typename T>
EMBER_DEV bool has_nan(T a) {
  if constexpr (cplx<T>) return cs::isnan(a.real()) || cs::isnan(a.imag());
  else if constexpr (flt<T>) return cs::isnan(a);
  else return false;
}

struct AddOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return T(a + b); }
};
struct SubtractOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (cs::is_same_v<T, bool>) return a != b;
    else return T(a - b);
  }
};
struct MultiplyOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (cs::is_same_v<T, bool>) return a && b;
    else return T(a * b);
  }
};
struct DivideOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return a / b; }
};
// Integer division by zero gives 0 rather than a fault.
struct FloorDivideOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (flt<T>) {
      return cs::floor(a / b);
    } else if constexpr (cs::is_same_v<T, bool>) {
      return b ? a : false;
    } else {
      if (b == 0) return 0;
      if constexpr (cs::is_signed_v<T>) {
        if (b == -1) return T(-a);
        T q = a / b;
        return T((a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q);
      } else {
        return a / b;
      }
    }
  }
};
// The result takes the sign of the divisor (Python and numpy semantics).
struct RemainderOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (flt<T>) {
      T r = cs::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else if constexpr (cs::is_same_v<T, bool>) {
      return false;
    } else {
      if (b == 0) return 0;
      if constexpr (cs::is_signed_v<T>) {
        if (b == -1) return 0;
        T r = a % b;
        return T((r != 0 && ((r < 0) != (b < 0))) ? r + b : r);
      } else {
        return a % b;
      }
    }
  }
};
struct PowerOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (flt<T> || cplx<T>) {
      return cs::pow(a, b);
    } else if constexpr (cs::is_same_v<T, bool>) {
      return a || !b;
    } else {
      if constexpr (cs::is_signed_v<T>) {
        if (b < 0) return T(0);  // as in MLX
      }
      T r = 1;
      while (b) {
        if (b & 1) r = T(r * a);
        a = T(a * a);
        b = T(b >> 1);
      }
      return r;
    }
  }
};
struct MaximumOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if (has_nan(a)) return a;
    if (has_nan(b)) return b;
    return less_than(a, b) ? b : a;
  }
};
struct MinimumOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if (has_nan(a)) return a;
    if (has_nan(b)) return b;
    return less_than(b, a) ? b : a;
  }
};
struct ArcTan2Op {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return cs::atan2(a, b); }
};
struct LogAddExpOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (cplx<T>) {
      if (has_nan(a) || has_nan(b)) return T(cs::numeric_limits<float>::quiet_NaN(), 0);
      T m = less_than(a, b) ? b : a;
      T lo = less_than(a, b) ? a : b;
      if (cs::isinf(m.real()) && (m.real() < 0 || a == b)) return m;
      T out = m + cs::log(T(1) + cs::exp(lo - m));
      const float pi = 3.14159265358979323846f;
      return T(out.real(), ::remainderf(out.imag(), 2 * pi));
    } else {
      if (cs::isnan(a) || cs::isnan(b)) return cs::numeric_limits<T>::quiet_NaN();
      T m = a > b ? a : b;
      if (cs::isinf(m) && (m < 0 || a == b)) return m;
      return m + cs::log1p(cs::exp(-cs::fabs(a - b)));
    }
  }
};
struct EqualOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return a == b; }
};
struct NotEqualOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return a != b; }
};
struct LessOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return less_than(a, b); }
};
struct LessEqualOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return less_than(a, b) || a == b; }
};
struct GreaterOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return less_than(b, a); }
};
struct GreaterEqualOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return less_than(b, a) || a == b; }
};
struct LogicalAndOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return a && b; }
};
struct LogicalOrOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return a || b; }
};
struct LogicalXorOp {
  template <typename T>
  EMBER_DEV bool operator()(T a, T b) const { return a != b; }
};
struct BitwiseAndOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return T(a & b); }
};
struct BitwiseOrOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return T(a | b); }
};
struct BitwiseXorOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const { return T(a ^ b); }
};
// Shifts by the bit width or more (or by a negative amount) give 0, or -1
// for a right shift of a negative number.
struct LeftShiftOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (cs::is_same_v<T, bool>) {
      return a && !b;
    } else {
      if constexpr (cs::is_signed_v<T>) {
        if (b < 0) return 0;
      }
      if (b >= T(sizeof(T) * 8)) return 0;
      using U = cs::make_unsigned_t<T>;
      return T(U(a) << b);
    }
  }
};
struct RightShiftOp {
  template <typename T>
  EMBER_DEV T operator()(T a, T b) const {
    if constexpr (cs::is_same_v<T, bool>) {
      return a && !b;
    } else {
      bool negative_shift = false;
      if constexpr (cs::is_signed_v<T>) negative_shift = b < 0;
      if (negative_shift || b >= T(sizeof(T) * 8)) {
        if constexpr (cs::is_signed_v<T>) return T(a < 0 ? -1 : 0);
        else return T(0);
      }
      return T(a >> b);
    }
  }
};

}  // namespace ember::cuda::dev
