// float32 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (see
// conv_winograd.cpp), for AVX-512 CPUs, channel counts that are multiples
// of 16 with a product up to 8192, and outputs of 16 2x2 tiles or more.
#pragma once
#include <cstdint>

namespace ember::cpu {

bool winograd_conv_supported(int64_t cin, int64_t cout, int64_t oh, int64_t ow, int64_t n);

// x: (n, h, wd, cin), w: (cout, 3, 3, cin), y: (n, oh, ow, cout), all
// row-contiguous; x reads as if padded by pad_top rows and pad_left columns
// of zeros before it (and as many after as oh and ow need).
void winograd_conv_f32(const float* x, const float* w, float* y, int64_t n, int64_t h,
                       int64_t wd, int64_t cin, int64_t oh, int64_t ow, int64_t cout,
                       int64_t pad_top, int64_t pad_left);

}  // namespace ember::cpu
