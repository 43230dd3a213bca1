// Scalar functors of the unary table (ops/unary.def). Each is called with
// the compute type: float for half types, the element type otherwise.
#pragma once
#include <cmath>
#include <complex>
#include <type_traits>

#include "backend/cpu/simd_math.h"
#include "core/dtype.h"

namespace ember::cpu {

template <typename T>
inline constexpr bool is_cplx = std::is_same_v<T, complex64_t>;

double erfinv_impl(double x);
// MLX's float32 erfinv, bit for bit (random.normal depends on it).
float erfinv_f32(float x);

struct AbsOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) return T(std::abs(x), 0.0f);
    else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) return x;
    else if constexpr (std::is_floating_point_v<T>) return std::fabs(x);  // |-0| is +0
    else return x < T(0) ? T(-x) : x;
  }
};
struct NegativeOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else return T(-x);
  }
};
struct SignOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) {
      float m = std::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) {
      return x != T(0);
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
      return T((x > T(0)) - (x < T(0)));
    } else {
      return T((x > T(0)) - (x < T(0)));
    }
  }
};
struct SquareOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return x;
    else return T(x * x);
  }
};
struct FloorOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::floor(x);
    else return x;
  }
};
struct CeilOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::ceil(x);
    else return x;
  }
};
// Halves to even, as numpy.
struct RoundOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::nearbyint(x);
    else if constexpr (is_cplx<T>) {
      return T(std::nearbyint(x.real()), std::nearbyint(x.imag()));
    } else {
      return x;
    }
  }
};
struct TruncOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) return std::trunc(x);
    else return x;
  }
};
struct ConjugateOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) return std::conj(x);
    else return x;
  }
};
struct StopGradientOp {
  template <typename T>
  T operator()(T x) const { return x; }
};
struct SqrtOp {
  template <typename T>
  T operator()(T x) const { return std::sqrt(x); }
};
struct RsqrtOp {
  template <typename T>
  T operator()(T x) const { return T(1) / std::sqrt(x); }
};
struct ReciprocalOp {
  template <typename T>
  T operator()(T x) const { return T(1) / x; }
};
// float32 uses the vectorizable versions of simd_math.h.
struct ExpOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return fmath::exp(x);
    else return std::exp(x);
  }
};
struct Expm1Op {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return fmath::expm1(x);
    else return std::expm1(x);
  }
};
struct LogOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return fmath::log(x);
    else return std::log(x);
  }
};
struct Log1pOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) return std::log(T(1) + x);
    else return std::log1p(x);
  }
};
struct Log2Op {
  template <typename T>
  T operator()(T x) const {
    if constexpr (is_cplx<T>) return std::log(x) / std::log(2.0f);
    else return std::log2(x);
  }
};
struct Log10Op {
  template <typename T>
  T operator()(T x) const { return std::log10(x); }
};
#define EMBER_STD_UNARY(Name, fn)            \
  struct Name {                              \
    template <typename T>                    \
    T operator()(T x) const { return fn(x); } \
  };
EMBER_STD_UNARY(SinOp, std::sin)
EMBER_STD_UNARY(CosOp, std::cos)
EMBER_STD_UNARY(TanOp, std::tan)
EMBER_STD_UNARY(ArcSinOp, std::asin)
EMBER_STD_UNARY(ArcCosOp, std::acos)
EMBER_STD_UNARY(ArcTanOp, std::atan)
EMBER_STD_UNARY(SinhOp, std::sinh)
EMBER_STD_UNARY(CoshOp, std::cosh)
struct TanhOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return fmath::tanh(x);
    else return std::tanh(x);
  }
};
EMBER_STD_UNARY(ArcSinhOp, std::asinh)
EMBER_STD_UNARY(ArcCoshOp, std::acosh)
EMBER_STD_UNARY(ArcTanhOp, std::atanh)
EMBER_STD_UNARY(ErfOp, std::erf)
#undef EMBER_STD_UNARY
struct ErfInvOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return erfinv_f32(x);
    else return static_cast<T>(erfinv_impl(x));
  }
};
struct SigmoidOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, float>) return fmath::sigmoid(x);
    // Evaluated on the side where exp cannot overflow.
    if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
    T e = std::exp(x);
    return e / (T(1) + e);
  }
};
struct IsNanOp {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) return std::isnan(x.real()) || std::isnan(x.imag());
    else if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
    else return false;
  }
};
struct IsInfOp {
  template <typename T>
  bool operator()(T x) const {
    if constexpr (is_cplx<T>) return std::isinf(x.real()) || std::isinf(x.imag());
    else if constexpr (std::is_floating_point_v<T>) return std::isinf(x);
    else return false;
  }
};
struct IsPosInfOp {
  template <typename T>
  bool operator()(T x) const {
    // A complex value equals +-inf only with a zero imaginary part.
    if constexpr (is_cplx<T>) return x.imag() == 0 && (*this)(x.real());
    else if constexpr (std::is_floating_point_v<T>) return std::isinf(x) && x > 0;
    else return false;
  }
};
struct IsNegInfOp {
  template <typename T>
  bool operator()(T x) const {
    // A complex value equals +-inf only with a zero imaginary part.
    if constexpr (is_cplx<T>) return x.imag() == 0 && (*this)(x.real());
    else if constexpr (std::is_floating_point_v<T>) return std::isinf(x) && x < 0;
    else return false;
  }
};
struct LogicalNotOp {
  template <typename T>
  bool operator()(T x) const { return x == T(0); }
};
struct BitwiseInvertOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) return !x;
    else return T(~x);
  }
};

}  // namespace ember::cpu
