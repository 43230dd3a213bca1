// float32 exp, expm1, log, tanh and sigmoid written with arithmetic,
// comparisons and bit casts only, so that loops calling them vectorize
// (libm's versions are opaque calls). Range reduction plus short
// polynomials; every result is within 2 ulp of the correctly rounded value
// (tests/python/test_simd_math.py checks this against float64 numpy), and
// inf, nan, zeros and subnormal results behave as in libm.
#pragma once
#include <bit>
#include <cstdint>

// Always inlined: kernels built for wider vector targets (target
// attributes) call them, and GCC will not inline an ordinary function
// across that boundary on its own, which leaves a scalar call per element.
#define EMBER_MATH [[gnu::always_inline]] inline

namespace ember::cpu::fmath {

inline constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split in two: the first part has few mantissa bits, so n * kLn2Hi
// is exact for the n that occur.
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
// ln 2 rounded, for reductions where n stays small (tanh).
inline constexpr float kLn2 = 0.693147182f;

// Rounding constants: adding 1.5 * 2^23 to a float below 2^22 rounds it
// to an integer that then sits in the low mantissa bits; with 127 more,
// those bits shifted left by 23 are the float 2^n.
inline constexpr float kRoundShift = 12582912.0f;
inline constexpr float kRoundShift127 = 12583039.0f;
inline constexpr float kRoundShift128 = 12583040.0f;
// exp overflows above this and underflows to zero below the other.
inline constexpr float kExpOverflow = 88.7228394f;
inline constexpr float kExpUnderflow = -103.972084f;
// tanh rounds to 1 from here on (1 - tanh(9.1) < 2^-25).
inline constexpr float kTanhOne = 9.1f;
// (e^r - 1 - r) / r^2 on |r| <= ln(2)/2: a degree-4 fit for relative
// error, lowest term first; r + r^2 p(r) is within 0.9 ulp of e^r - 1.
inline constexpr float kExpm1Poly[5] = {0.499999970f, 0.166665435f, 0.0416672006f,
                                        0.00836651400f, 0.00138825201f};
// The same coefficients times 2^(k+1): with them h + h^2 p(h) is exactly
// half of the above at r = 2h (every step scales by a power of two).
inline constexpr float kExpm1PolyHalf[5] = {
    kExpm1Poly[0] * 2, kExpm1Poly[1] * 4, kExpm1Poly[2] * 8, kExpm1Poly[3] * 16,
    kExpm1Poly[4] * 32};

EMBER_MATH float select(bool c, float a, float b) { return c ? a : b; }

// Round to nearest integer (valid for |x| < 2^22) without a libm call.
EMBER_MATH float round_int(float x) { return (x + kRoundShift) - kRoundShift; }

// 2^n for integer-valued n in [-126, 127].
EMBER_MATH float pow2i(float n) {
  return std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

EMBER_MATH float expm1_poly(float r, const float* c) {
  float p = c[4] * r + c[3];
  p = p * r + c[2];
  p = p * r + c[1];
  p = p * r + c[0];
  return r * r * p + r;
}

// e^r - 1 for |r| <= ln(2)/2.
EMBER_MATH float expm1_reduced(float r) { return expm1_poly(r, kExpm1Poly); }

EMBER_MATH float exp(float x) {
  // Clamped so the scale below stays finite; the ends are fixed up after.
  float c = select(x < -104.0f, -104.0f, select(x > 89.0f, 89.0f, x));
  float n = (c * kLog2e + kRoundShift) - kRoundShift;
  float r = c - n * kLn2Hi - n * kLn2Lo;
  float p = expm1_reduced(r) + 1.0f;
  // 2^n in two factors, so subnormal results (n < -126) come out right.
  float h = round_int(n * 0.5f);
  float y = p * pow2i(h) * pow2i(n - h);
  y = select(x > kExpOverflow, __builtin_inff(), y);
  y = select(x < kExpUnderflow, 0.0f, y);
  return select(x != x, x, y);
}

// e^x for x <= 0 or NaN (softmax's shifted inputs): exp without the
// overflow end and with NaN flowing through the arithmetic; the same
// value as exp wherever both apply.
EMBER_MATH float exp_nonpositive(float x) {
  float c = select(x < -104.0f, -104.0f, x);
  float n = (c * kLog2e + kRoundShift) - kRoundShift;
  float r = c - n * kLn2Hi - n * kLn2Lo;
  float p = expm1_reduced(r) + 1.0f;
  float h = round_int(n * 0.5f);
  float y = p * pow2i(h) * pow2i(n - h);
  return select(x < kExpUnderflow, 0.0f, y);
}

// e^y - 1 = 2^n (e^r - 1) + (2^n - 1), given r = y - n ln 2 and
// t = y log2(e) + kRoundShift127, which holds n in its low bits. For y in
// [-18, 88] the two terms never cancel badly (2^n - 1 is exact for
// |n| <= 24), so one formula is accurate for small and large y alike.
EMBER_MATH float expm1_join(float r, float t) {
  float s = std::bit_cast<float>(std::bit_cast<uint32_t>(t) << 23);
  return s * expm1_reduced(r) + (s - 1.0f);
}

EMBER_MATH float expm1_clamped(float y) {
  float t = y * kLog2e + kRoundShift127;
  float n = t - kRoundShift127;
  return expm1_join(y - n * kLn2Hi - n * kLn2Lo, t);
}

EMBER_MATH float expm1(float x) {
  float c = select(x < -18.0f, -18.0f, select(x > 88.0f, 88.0f, x));
  float y = expm1_clamped(c);
  y = select(x > 88.0f, exp(x) - 1.0f, y);
  return select(x != x, x, y);
}

EMBER_MATH float log(float x) {
  // Subnormals are scaled into the normal range first.
  bool tiny = x < 1.17549435e-38f;
  float xs = select(tiny, x * 8388608.0f, x);  // 2^23
  int32_t bits = std::bit_cast<int32_t>(xs);
  // m in [sqrt(1/2), sqrt(2)), x = m * 2^e.
  int32_t e = ((bits - 0x3f3504f3) >> 23);
  float m = std::bit_cast<float>(bits - (e << 23));
  float ef = static_cast<float>(e) - select(tiny, 23.0f, 0.0f);
  float f = m - 1.0f;
  float s = f / (2.0f + f);
  float s2 = s * s;
  // log(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| < 0.172.
  float p = 1.0f / 13;
  p = p * s2 + 1.0f / 11;
  p = p * s2 + 1.0f / 9;
  p = p * s2 + 1.0f / 7;
  p = p * s2 + 1.0f / 5;
  p = p * s2 + 1.0f / 3;
  float logm = f - s * (f - 2.0f * s2 * p);  // = 2s + 2s^3 p, written to keep f's bits
  float y = ef * kLn2Hi + (ef * kLn2Lo + logm);
  y = select(x == 0.0f, -__builtin_inff(), y);
  y = select(x < 0.0f, __builtin_nanf(""), y);
  y = select(x == __builtin_inff(), x, y);
  return select(x != x, x, y);
}

EMBER_MATH float tanh(float x) {
  // tanh|x| = t / (t + 2) with t = e^(2|x|) - 1, and the sign of x put
  // back by bits. A NaN passes through the clamp and stays NaN.
  uint32_t bits = std::bit_cast<uint32_t>(x);
  float a = std::bit_cast<float>(bits & 0x7fffffffu);
  float c = select(a > kTanhOne, kTanhOne, a);
  // t = e^(2c) - 1 = 2^n (e^r - 1) + (2^n - 1), r = 2c - n ln 2, worked
  // at half scale so that 2c is never formed: h = r / 2 and s2 = 2^(n+1)
  // (kRoundShift128 puts the extra 1 in the exponent); every step differs
  // from the full-scale one by a power of two, so the result is the same.
  // ln 2 is used in one piece: the error n * 2e-9 that leaves is below
  // rounding where n is small, and where n is large tanh is near 1 and
  // t / (t + 2) hardly depends on it.
  float t2 = c * (2.0f * kLog2e) + kRoundShift128;
  float n = t2 - kRoundShift128;
  float h = c - n * (0.5f * kLn2);
  float s2 = std::bit_cast<float>(std::bit_cast<uint32_t>(t2) << 23);
  float t = s2 * expm1_poly(h, kExpm1PolyHalf) + (s2 * 0.5f - 1.0f);
  float y = t / (t + 2.0f);
  return std::bit_cast<float>(std::bit_cast<uint32_t>(y) | (bits & 0x80000000u));
}

EMBER_MATH float sigmoid(float x) {
  // e^-|x| never overflows; the other side follows by symmetry.
  float a = select(x < 0.0f, -x, x);
  float e = exp(-a);
  float pos = 1.0f / (1.0f + e);
  return select(x != x, x, select(x < 0.0f, e * pos, pos));
}

}  // namespace ember::cpu::fmath
