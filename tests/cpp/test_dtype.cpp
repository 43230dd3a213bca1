// Dtype promotion and categories.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/dtype.h"
#include "helpers.h"

namespace ember {
namespace {

const Dtype kAll[] = {bool_,   uint8,   uint16,  uint32,   uint64,
                      int8,    int16,   int32,   int64,    float16,
                      float32, float64, bfloat16, complex64};

TEST(Promotion, SpotChecks) {
  EXPECT_EQ(promote_types(int8, uint8), int16);
  EXPECT_EQ(promote_types(uint8, int8), int16);
  EXPECT_EQ(promote_types(uint64, int64), float32);
  EXPECT_EQ(promote_types(int8, uint64), float32);
  EXPECT_EQ(promote_types(float16, bfloat16), float32);
  EXPECT_EQ(promote_types(uint32, int32), int64);
  EXPECT_EQ(promote_types(uint16, int16), int32);
  EXPECT_EQ(promote_types(bool_, int8), int8);
  EXPECT_EQ(promote_types(bool_, bool_), bool_);
  EXPECT_EQ(promote_types(int64, float16), float16);
  EXPECT_EQ(promote_types(uint64, bfloat16), bfloat16);
  EXPECT_EQ(promote_types(float32, float64), float64);
  EXPECT_EQ(promote_types(bfloat16, float32), float32);
  EXPECT_EQ(promote_types(float64, complex64), complex64);
}

TEST(Promotion, SymmetricAndIdempotent) {
  for (Dtype a : kAll) {
    EXPECT_EQ(promote_types(a, a), a) << dtype_name(a);
    for (Dtype b : kAll) {
      EXPECT_EQ(promote_types(a, b), promote_types(b, a))
          << dtype_name(a) << " " << dtype_name(b);
    }
  }
}

TEST(Promotion, NeverNarrowsAKind) {
  // The result holds every value of a kind at least as general as each input.
  auto rank = [](Dtype d) {
    if (d == bool_) return 0;
    if (is_integral(d)) return 1;
    if (is_floating(d)) return 2;
    return 3;
  };
  for (Dtype a : kAll) {
    for (Dtype b : kAll) {
      Dtype r = promote_types(a, b);
      EXPECT_GE(rank(r), std::max(rank(a), rank(b)))
          << dtype_name(a) << " " << dtype_name(b);
    }
  }
}

TEST(Promotion, BoolIsTheIdentity) {
  for (Dtype a : kAll) EXPECT_EQ(promote_types(bool_, a), a) << dtype_name(a);
  for (Dtype a : kAll) {
    EXPECT_EQ(promote_types(complex64, a), complex64) << dtype_name(a);
  }
}

TEST(Dtype, SizesAndNames) {
  EXPECT_EQ(bool_.size(), 1);
  EXPECT_EQ(int16.size(), 2);
  EXPECT_EQ(bfloat16.size(), 2);
  EXPECT_EQ(float32.size(), 4);
  EXPECT_EQ(uint64.size(), 8);
  EXPECT_EQ(complex64.size(), 8);
  EXPECT_STREQ(dtype_name(bool_), "bool");
  EXPECT_STREQ(dtype_name(bfloat16), "bfloat16");
  EXPECT_EQ(dtype_of<float>, float32);
  EXPECT_EQ(dtype_of<uint16_t>, uint16);
}

TEST(Dtype, Categories) {
  using C = DtypeCategory;
  EXPECT_TRUE(issubdtype(float32, C::floating));
  EXPECT_TRUE(issubdtype(bfloat16, C::inexact));
  EXPECT_TRUE(issubdtype(complex64, C::inexact));
  EXPECT_FALSE(issubdtype(complex64, C::floating));
  EXPECT_TRUE(issubdtype(uint8, C::unsignedinteger));
  EXPECT_FALSE(issubdtype(uint8, C::signedinteger));
  EXPECT_TRUE(issubdtype(int64, C::integer));
  EXPECT_TRUE(issubdtype(int64, C::number));
  EXPECT_FALSE(issubdtype(bool_, C::number));
  EXPECT_FALSE(issubdtype(bool_, C::integer));
  EXPECT_TRUE(issubdtype(bool_, C::generic));
  EXPECT_TRUE(issubdtype(C::floating, C::inexact));
  EXPECT_TRUE(issubdtype(C::signedinteger, C::number));
  EXPECT_FALSE(issubdtype(C::inexact, C::floating));
  EXPECT_TRUE(issubdtype(float32, float32));
  EXPECT_FALSE(issubdtype(float32, float64));
  EXPECT_TRUE(is_unsigned(uint32));
  EXPECT_FALSE(is_unsigned(int32));
  EXPECT_TRUE(is_complex(complex64));
}

}  // namespace
}  // namespace ember
