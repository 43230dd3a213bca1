// Scalar functors of the binary table (ops/binary.def), called with the
// compute type (float for half types).
#pragma once
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "backend/cpu/unary_ops.h"

namespace ember::cpu {

// numpy orders complex numbers lexicographically.
template <typename T>
inline bool less_than(T a, T b) {
  if constexpr (is_cplx<T>) {
    return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
  } else {
    return a < b;
  }
}
template <typename T>
inline bool has_nan(T a) {
  if constexpr (is_cplx<T>) return std::isnan(a.real()) || std::isnan(a.imag());
  else if constexpr (std::is_floating_point_v<T>) return std::isnan(a);
  else return false;
}

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const { return T(a + b); }
};
struct SubtractOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a != b;
    else return T(a - b);
  }
};
struct MultiplyOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && b;
    else return T(a * b);
  }
};
struct DivideOp {
  template <typename T>
  T operator()(T a, T b) const { return a / b; }
};
// Integer division by zero gives 0 rather than a crash.
struct FloorDivideOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::floor(a / b);
    } else if constexpr (std::is_same_v<T, bool>) {
      return b ? a : false;
    } else {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return T(-a);  // avoids INT_MIN / -1
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
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else if constexpr (std::is_same_v<T, bool>) {
      return false;
    } else {
      if (b == 0) return 0;
      if constexpr (std::is_signed_v<T>) {
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
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T> || is_cplx<T>) {
      return std::pow(a, b);
    } else if constexpr (std::is_same_v<T, bool>) {
      return a || !b;
    } else {
      if constexpr (std::is_signed_v<T>) {
        // Integer powers with negative exponents are 0, as in MLX.
        if (b < 0) return T(0);
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
  T operator()(T a, T b) const {
    if (has_nan(a)) return a;
    if (has_nan(b)) return b;
    return less_than(a, b) ? b : a;
  }
};
struct MinimumOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (has_nan(a)) return a;
    if (has_nan(b)) return b;
    return less_than(b, a) ? b : a;
  }
};
struct ArcTan2Op {
  template <typename T>
  T operator()(T a, T b) const { return std::atan2(a, b); }
};
struct LogAddExpOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (is_cplx<T>) {
      return complex_case(a, b);
    } else {
      return real_case(a, b);
    }
  }
  // log(e^a + e^b) = m + log(1 + e^(lo - m)) with m the lexicographic max;
  // the imaginary part is wrapped into [-pi, pi].
  template <typename C>
  static C complex_case(C a, C b) {
    using R = typename C::value_type;
    if (has_nan(a) || has_nan(b)) return C(std::numeric_limits<R>::quiet_NaN(), 0);
    C m = less_than(a, b) ? b : a;
    C lo = less_than(a, b) ? a : b;
    if (std::isinf(m.real()) && (m.real() < 0 || a == b)) return m;
    C out = m + std::log(C(1) + std::exp(lo - m));
    const R pi = R(M_PI);
    R im = std::remainder(out.imag(), 2 * pi);
    return C(out.real(), im);
  }
  template <typename T>
  static T real_case(T a, T b) {
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    T m = a > b ? a : b;
    if (std::isinf(m) && (m < 0 || a == b)) return m;
    return m + std::log1p(std::exp(-std::abs(a - b)));
  }
};
struct EqualOp {
  template <typename T>
  bool operator()(T a, T b) const { return a == b; }
};
struct NotEqualOp {
  template <typename T>
  bool operator()(T a, T b) const { return a != b; }
};
struct LessOp {
  template <typename T>
  bool operator()(T a, T b) const { return less_than(a, b); }
};
// Real types compare directly: the short-circuit form of the complex
// order is a branch per element, which keeps loops from vectorizing.
struct LessEqualOp {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_cplx<T>) return less_than(a, b) || a == b;
    else return a <= b;
  }
};
struct GreaterOp {
  template <typename T>
  bool operator()(T a, T b) const { return less_than(b, a); }
};
struct GreaterEqualOp {
  template <typename T>
  bool operator()(T a, T b) const {
    if constexpr (is_cplx<T>) return less_than(b, a) || a == b;
    else return a >= b;
  }
};
struct LogicalAndOp {
  template <typename T>
  bool operator()(T a, T b) const { return a && b; }
};
struct LogicalOrOp {
  template <typename T>
  bool operator()(T a, T b) const { return a || b; }
};
struct LogicalXorOp {
  template <typename T>
  bool operator()(T a, T b) const { return a != b; }
};
struct BitwiseAndOp {
  template <typename T>
  T operator()(T a, T b) const { return T(a & b); }
};
struct BitwiseOrOp {
  template <typename T>
  T operator()(T a, T b) const { return T(a | b); }
};
struct BitwiseXorOp {
  template <typename T>
  T operator()(T a, T b) const { return T(a ^ b); }
};
// Shifts by the bit width or more (or by a negative amount) give 0, or -1
// for a right shift of a negative number, instead of undefined behaviour.
struct LeftShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && !b;
    else {
      if (b < 0 || b >= T(sizeof(T) * 8)) return 0;
      using U = std::make_unsigned_t<T>;
      return T(U(a) << b);
    }
  }
};
struct RightShiftOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) return a && !b;
    else {
      if (b < 0 || b >= T(sizeof(T) * 8)) return T(a < 0 ? -1 : 0);
      return T(a >> b);
    }
  }
};

}  // namespace ember::cpu
