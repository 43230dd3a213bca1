// float32 exp, expm1, log, tanh and sigmoid written with arithmetic,
// comparisons and bit casts only, so that loops calling them vectorize
// (libm's versions are opaque calls). Range reduction plus short
// polynomials; every result is within 2 ulp of the correctly rounded value
// (tests/python/test_simd_math.py checks this against float64 numpy), and
// inf, nan, zeros and subnormal results behave as in libm.
#pragma once
#include <bit>
#include <cstdint>

namespace ember::cpu::fmath {

inline constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split in two: the first part has few mantissa bits, so n * kLn2Hi
// is exact for the n that occur.
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;

inline float select(bool c, float a, float b) { return c ? a : b; }

// Round to nearest integer (valid for |x| < 2^22) without a libm call.
inline float round_int(float x) {
  constexpr float kShift = 12582912.0f;  // 1.5 * 2^23
  return (x + kShift) - kShift;
}

// 2^n for integer-valued n in [-126, 127].
inline float pow2i(float n) {
  return std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
}

// e^r - 1 for |r| <= ln(2)/2: Taylor terms up to r^8 (error below 1e-9).
inline float expm1_reduced(float r) {
  float p = 2.48015873e-5f;  // 1/8!
  p = p * r + 1.98412698e-4f;  // 1/7!
  p = p * r + 1.38888889e-3f;  // 1/6!
  p = p * r + 8.33333333e-3f;  // 1/5!
  p = p * r + 4.16666667e-2f;  // 1/4!
  p = p * r + 1.66666667e-1f;  // 1/3!
  p = p * r + 0.5f;
  return r + r * r * p;
}

inline float exp(float x) {
  // Clamped so the scale below stays finite; the ends are fixed up after.
  float c = select(x < -104.0f, -104.0f, select(x > 89.0f, 89.0f, x));
  float n = round_int(c * kLog2e);
  float r = c - n * kLn2Hi - n * kLn2Lo;
  float p = expm1_reduced(r) + 1.0f;
  // 2^n in two factors, so subnormal results (n < -126) come out right.
  float h = round_int(n * 0.5f);
  float y = p * pow2i(h) * pow2i(n - h);
  y = select(x > 88.7228394f, __builtin_inff(), y);
  y = select(x < -103.972084f, 0.0f, y);
  return select(x != x, x, y);
}

// e^y - 1 for y in [-18, 88]: 2^n (e^r - 1) + (2^n - 1). The two terms
// never cancel badly (2^n - 1 is exact for |n| <= 24), so one formula is
// accurate for small and large arguments alike.
inline float expm1_clamped(float y) {
  float n = round_int(y * kLog2e);
  float r = y - n * kLn2Hi - n * kLn2Lo;
  float s = pow2i(n);
  return s * expm1_reduced(r) + (s - 1.0f);
}

inline float expm1(float x) {
  float c = select(x < -18.0f, -18.0f, select(x > 88.0f, 88.0f, x));
  float y = expm1_clamped(c);
  y = select(x > 88.0f, exp(x) - 1.0f, y);
  return select(x != x, x, y);
}

inline float log(float x) {
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

inline float tanh(float x) {
  // tanh|x| = t / (t + 2) with t = e^(2|x|) - 1; beyond 9 it rounds to 1.
  float a = select(x < 0.0f, -x, x);
  float t = expm1_clamped(2.0f * select(a > 9.0f, 9.0f, a));
  float y = t / (t + 2.0f);
  y = select(x < 0.0f, -y, y);
  return select(x != x, x, y);
}

inline float sigmoid(float x) {
  // e^-|x| never overflows; the other side follows by symmetry.
  float a = select(x < 0.0f, -x, x);
  float e = exp(-a);
  float pos = 1.0f / (1.0f + e);
  return select(x != x, x, select(x < 0.0f, e * pos, pos));
}

}  // namespace ember::cpu::fmath
