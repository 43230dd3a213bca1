// Device functors of the unary table (ops/unary.def), with the CPU's
// semantics (backend/cpu/unary_ops.h). Called with the compute type: float
// for the 16-bit floats, the element type otherwise.
#pragma once
#include <cuda/std/cmath>

#include "backend/cuda/device_types.cuh"

namespace ember::cuda::dev {

namespace cs = ::cuda::std;

template <typename T>
inline constexpr bool cplx = is_complex_v<T>;
template <typename T>
inline constexpr bool flt = cs::is_floating_point_v<T>;
template <typename T>
inline constexpr bool unsigned_or_bool = cs::is_unsigned_v<T> || cs::is_same_v<T, bool>;

#define EMBER_DEV __device__ __forceinline__

struct AbsOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cplx<T>) return T(cs::abs(x), 0.0f);
    else if constexpr (unsigned_or_bool<T>) return x;
    else if constexpr (flt<T>) return cs::fabs(x);
    else return x < T(0) ? T(-x) : x;
  }
};
struct NegativeOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cs::is_same_v<T, bool>) return x;
    else return T(-x);
  }
};
struct SignOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cplx<T>) {
      float m = cs::abs(x);
      return m == 0 ? T(0) : x / m;
    } else if constexpr (unsigned_or_bool<T>) {
      return x != T(0);
    } else if constexpr (flt<T>) {
      if (cs::isnan(x)) return x;
      return T((x > T(0)) - (x < T(0)));
    } else {
      return T((x > T(0)) - (x < T(0)));
    }
  }
};
struct SquareOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cs::is_same_v<T, bool>) return x;
    else return T(x * x);
  }
};
struct FloorOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (flt<T>) return cs::floor(x);
    else return x;
  }
};
struct CeilOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (flt<T>) return cs::ceil(x);
    else return x;
  }
};
// Halves to even, as numpy.
struct RoundOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (flt<T>) return cs::nearbyint(x);
    else if constexpr (cplx<T>) return T(cs::nearbyint(x.real()), cs::nearbyint(x.imag()));
    else return x;
  }
};
struct TruncOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (flt<T>) return cs::trunc(x);
    else return x;
  }
};
struct ConjugateOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cplx<T>) return cs::conj(x);
    else return x;
  }
};
struct StopGradientOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const { return x; }
};
struct SqrtOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const { return cs::sqrt(x); }
};
struct RsqrtOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cs::is_same_v<T, float>) return ::rsqrtf(x);
    else return T(1) / cs::sqrt(x);
  }
};
struct ReciprocalOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const { return T(1) / x; }
};
struct Log1pOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cplx<T>) return cs::log(T(1) + x);
    else return cs::log1p(x);
  }
};
struct Log2Op {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cplx<T>) return cs::log(x) / cs::log(2.0f);
    else return cs::log2(x);
  }
};
struct Expm1Op {
  template <typename T>
  EMBER_DEV T operator()(T x) const { return cs::expm1(x); }
};
struct ErfOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const { return cs::erf(x); }
};
struct ErfInvOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cs::is_same_v<T, float>) return ::erfinvf(x);
    else return ::erfinv(x);
  }
};
#define EMBER_STD_UNARY(Name, fn)                              \
  struct Name {                                                \
    template <typename T>                                      \
    EMBER_DEV T operator()(T x) const { return cs::fn(x); }    \
  };
EMBER_STD_UNARY(ExpOp, exp)
EMBER_STD_UNARY(LogOp, log)
EMBER_STD_UNARY(Log10Op, log10)
EMBER_STD_UNARY(SinOp, sin)
EMBER_STD_UNARY(CosOp, cos)
EMBER_STD_UNARY(TanOp, tan)
EMBER_STD_UNARY(ArcSinOp, asin)
EMBER_STD_UNARY(ArcCosOp, acos)
EMBER_STD_UNARY(ArcTanOp, atan)
EMBER_STD_UNARY(SinhOp, sinh)
EMBER_STD_UNARY(CoshOp, cosh)
EMBER_STD_UNARY(TanhOp, tanh)
EMBER_STD_UNARY(ArcSinhOp, asinh)
EMBER_STD_UNARY(ArcCoshOp, acosh)
EMBER_STD_UNARY(ArcTanhOp, atanh)
#undef EMBER_STD_UNARY
struct SigmoidOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    // Evaluated on the side where exp cannot overflow.
    if (x >= T(0)) return T(1) / (T(1) + cs::exp(-x));
    T e = cs::exp(x);
    return e / (T(1) + e);
  }
};
struct IsNanOp {
  template <typename T>
  EMBER_DEV bool operator()(T x) const {
    if constexpr (cplx<T>) return cs::isnan(x.real()) || cs::isnan(x.imag());
    else if constexpr (flt<T>) return cs::isnan(x);
    else return false;
  }
};
struct IsInfOp {
  template <typename T>
  EMBER_DEV bool operator()(T x) const {
    if constexpr (cplx<T>) return cs::isinf(x.real()) || cs::isinf(x.imag());
    else if constexpr (flt<T>) return cs::isinf(x);
    else return false;
  }
};
struct IsPosInfOp {
  template <typename T>
  EMBER_DEV bool operator()(T x) const {
    // A complex value equals +-inf only with a zero imaginary part.
    if constexpr (cplx<T>) return x.imag() == 0 && (*this)(x.real());
    else if constexpr (flt<T>) return cs::isinf(x) && x > 0;
    else return false;
  }
};
struct IsNegInfOp {
  template <typename T>
  EMBER_DEV bool operator()(T x) const {
    if constexpr (cplx<T>) return x.imag() == 0 && (*this)(x.real());
    else if constexpr (flt<T>) return cs::isinf(x) && x < 0;
    else return false;
  }
};
struct LogicalNotOp {
  template <typename T>
  EMBER_DEV bool operator()(T x) const { return x == T(0); }
};
struct BitwiseInvertOp {
  template <typename T>
  EMBER_DEV T operator()(T x) const {
    if constexpr (cs::is_same_v<T, bool>) return !x;
    else return T(~x);
  }
};

}  // namespace ember::cuda::dev
