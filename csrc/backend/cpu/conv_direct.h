// Direct float32 convolution for CPUs with AVX-512 (see conv_direct.cpp).
#pragma once
#include "core/shape.h"

namespace ember::cpu {

bool direct_conv_supported();

// x: (n, *in_sp, cin), w: (cout, *k_sp, cin), out: (n, *o_sp, cout), all
// row-contiguous; in_sp has one or two dimensions. x reads as if it had
// pad_lo zeros before each spatial dimension (and as many after as o_sp
// needs).
void direct_conv_f32(const float* x, const float* w, float* out, int64_t n,
                     const Shape& in_sp, const Shape& k_sp, const Shape& o_sp,
                     int64_t cin, int64_t cout, const Shape& stride,
                     const Shape& dilation, const Shape& pad_lo);

}  // namespace ember::cpu
