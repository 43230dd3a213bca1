#include <limits>
#include "core/dtype.h"

namespace ember {

namespace {

constexpr Dtype::Val b = Dtype::Val::bool_, u1 = Dtype::Val::uint8,
                     u2 = Dtype::Val::uint16, u4 = Dtype::Val::uint32,
                     u8 = Dtype::Val::uint64, s1 = Dtype::Val::int8,
                     s2 = Dtype::Val::int16, s4 = Dtype::Val::int32,
                     s8 = Dtype::Val::int64, f2 = Dtype::Val::float16,
                     f4 = Dtype::Val::float32, f8 = Dtype::Val::float64,
                     bf = Dtype::Val::bfloat16, c8 = Dtype::Val::complex64;

// Row and column order follow Dtype::Val. Mixing 64-bit unsigned with
// signed integers has no exact integer type, so it goes to float32 as in MLX.
// clang-format off
constexpr Dtype::Val promotion[14][14] = {
  //       b   u1  u2  u4  u8  s1  s2  s4  s8  f2  f4  f8  bf  c8
  /* b */ {b,  u1, u2, u4, u8, s1, s2, s4, s8, f2, f4, f8, bf, c8},
  /* u1*/ {u1, u1, u2, u4, u8, s2, s2, s4, s8, f2, f4, f8, bf, c8},
  /* u2*/ {u2, u2, u2, u4, u8, s4, s4, s4, s8, f2, f4, f8, bf, c8},
  /* u4*/ {u4, u4, u4, u4, u8, s8, s8, s8, s8, f2, f4, f8, bf, c8},
  /* u8*/ {u8, u8, u8, u8, u8, f4, f4, f4, f4, f2, f4, f8, bf, c8},
  /* s1*/ {s1, s2, s4, s8, f4, s1, s2, s4, s8, f2, f4, f8, bf, c8},
  /* s2*/ {s2, s2, s4, s8, f4, s2, s2, s4, s8, f2, f4, f8, bf, c8},
  /* s4*/ {s4, s4, s4, s8, f4, s4, s4, s4, s8, f2, f4, f8, bf, c8},
  /* s8*/ {s8, s8, s8, s8, f4, s8, s8, s8, s8, f2, f4, f8, bf, c8},
  /* f2*/ {f2, f2, f2, f2, f2, f2, f2, f2, f2, f2, f4, f8, f4, c8},
  /* f4*/ {f4, f4, f4, f4, f4, f4, f4, f4, f4, f4, f4, f8, f4, c8},
  /* f8*/ {f8, f8, f8, f8, f8, f8, f8, f8, f8, f8, f8, f8, f8, c8},
  /* bf*/ {bf, bf, bf, bf, bf, bf, bf, bf, bf, f4, f4, f8, bf, c8},
  /* c8*/ {c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8, c8},
};
// clang-format on

DtypeCategory leaf_category(Dtype d) {
  switch (d.val) {
    case b:
      return DtypeCategory::generic;
    case u1: case u2: case u4: case u8:
      return DtypeCategory::unsignedinteger;
    case s1: case s2: case s4: case s8:
      return DtypeCategory::signedinteger;
    case f2: case f4: case f8: case bf:
      return DtypeCategory::floating;
    case c8:
      return DtypeCategory::complexfloating;
  }
  return DtypeCategory::generic;
}

}  // namespace

Dtype promote_types(Dtype a, Dtype b) {
  return Dtype(promotion[a.index()][b.index()]);
}

bool issubdtype(DtypeCategory a, DtypeCategory c) {
  using C = DtypeCategory;
  if (a == c || c == C::generic) return true;
  switch (c) {
    case C::inexact:
      return a == C::floating || a == C::complexfloating;
    case C::integer:
      return a == C::signedinteger || a == C::unsignedinteger;
    case C::number:
      return a != C::generic;
    default:
      return false;
  }
}

bool issubdtype(Dtype a, DtypeCategory c) {
  if (a == bool_) return c == DtypeCategory::generic;
  return issubdtype(leaf_category(a), c);
}

bool issubdtype(Dtype a, Dtype b) { return a == b; }

const char* dtype_name(Dtype d) {
  constexpr const char* names[] = {
      "bool",  "uint8",   "uint16",  "uint32",  "uint64",
      "int8",  "int16",   "int32",   "int64",   "float16",
      "float32", "float64", "bfloat16", "complex64"};
  return names[d.index()];
}

const char* category_name(DtypeCategory c) {
  constexpr const char* names[] = {
      "complexfloating", "floating", "inexact", "signedinteger",
      "unsignedinteger", "integer",  "number",  "generic"};
  return names[static_cast<int>(c)];
}

char dtype_kind(Dtype d) {
  switch (leaf_category(d)) {
    case DtypeCategory::unsignedinteger:
      return 'u';
    case DtypeCategory::signedinteger:
      return 'i';
    case DtypeCategory::floating:
      return d == bfloat16 ? 'V' : 'f';
    case DtypeCategory::complexfloating:
      return 'c';
    default:
      return 'b';
  }
}

double float_max(Dtype d) {
  switch (d.val) {
    case Dtype::Val::float16: return 65504.0;
    case Dtype::Val::bfloat16: return 3.3895313892515355e38;
    case Dtype::Val::float64: return std::numeric_limits<double>::max();
    default: return std::numeric_limits<float>::max();
  }
}

}  // namespace ember
