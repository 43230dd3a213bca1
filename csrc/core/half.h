// 16-bit floating types. float16 is the compiler's _Float16; bfloat16 is a
// storage type whose arithmetic goes through float.
#pragma once
#include <cstdint>
#include <cstring>

namespace ember {

using float16_t = _Float16;

struct bfloat16_t {
  uint16_t bits = 0;

  bfloat16_t() = default;
  bfloat16_t(float f) { bits = from_float(f); }
  template <typename T>
  explicit bfloat16_t(T v) : bfloat16_t(static_cast<float>(v)) {}
  operator float() const {
    uint32_t u = static_cast<uint32_t>(bits) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }

  static uint16_t from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) {
      return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
    }
    // Round to nearest even on the dropped 16 bits.
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<uint16_t>(u >> 16);
  }
  static bfloat16_t from_bits(uint16_t b) {
    bfloat16_t r;
    r.bits = b;
    return r;
  }
};

}  // namespace ember
