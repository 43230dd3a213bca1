// Scalar encoders and decoders of the small float formats used by fp8 and
// the microscaling quantization modes: e4m3 (OCP "fn": no infinities, NaN
// is S.1111.111, max 448), e2m1 (fp4, max 6) and e8m0 (a power of two).
// Encoding rounds to nearest, ties to even.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

namespace ember::cpu {

// Magnitude code of a finite value >= 0 in a format with `mbits` mantissa
// bits, exponent bias `bias` and largest code `max_code`; larger values
// saturate to max_code.
inline uint32_t encode_magnitude(float a, int mbits, int bias, uint32_t max_code) {
  const int min_exp = 1 - bias;  // exponent of the smallest normal
  int e;
  std::frexp(a, &e);
  e = std::max(e - 1, min_exp);
  // a = q * 2^(e - mbits) with q rounded to an integer (subnormals use the
  // smallest normal exponent and a leading zero).
  float q = std::nearbyint(std::ldexp(a, mbits - e));
  uint32_t code;
  if (q >= float(2 << mbits)) {  // rounding carried into the next binade
    code = uint32_t(e + 1 + bias) << mbits;
  } else if (q < float(1 << mbits)) {  // subnormal (or zero)
    code = uint32_t(q);
  } else {
    code = (uint32_t(e + bias) << mbits) | (uint32_t(q) & ((1u << mbits) - 1));
  }
  return code > max_code ? max_code : code;
}

inline float decode_magnitude(uint32_t code, int mbits, int bias) {
  uint32_t exp = code >> mbits, man = code & ((1u << mbits) - 1);
  if (exp == 0) return std::ldexp(float(man), 1 - bias - mbits);
  return std::ldexp(float((1u << mbits) | man), int(exp) - bias - mbits);
}

// e4m3: values beyond the largest finite one by more than half a step, and
// NaN, become NaN; infinities too (the format has none).
inline uint8_t to_e4m3(float f) {
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fabs(f);
  if (!(a <= 464.0f)) return sign | 0x7F;  // NaN (also for NaN inputs)
  return sign | uint8_t(encode_magnitude(a, 3, 7, 0x7E));
}
inline float from_e4m3(uint8_t b) {
  float a = (b & 0x7F) == 0x7F ? std::numeric_limits<float>::quiet_NaN()
                               : decode_magnitude(b & 0x7F, 3, 7);
  return (b & 0x80) ? -a : a;
}

// e2m1 (4 bits): saturates at 6, as fp4 has no NaN or infinity.
inline uint8_t to_e2m1(float f) {
  uint8_t sign = std::signbit(f) ? 0x8 : 0;
  float a = std::fabs(f);
  if (std::isnan(a)) return sign | 0x7;
  return sign | uint8_t(encode_magnitude(std::fmin(a, 6.0f), 1, 1, 0x7));
}
inline float from_e2m1(uint8_t b) {
  float a = decode_magnitude(b & 0x7, 1, 1);
  return (b & 0x8) ? -a : a;
}

// e8m0: 2^(code - 127); 0xFF is NaN.
inline float from_e8m0(uint8_t b) {
  return b == 0xFF ? std::numeric_limits<float>::quiet_NaN() : std::ldexp(1.0f, int(b) - 127);
}

}  // namespace ember::cpu
