// Convolution in MLX's channels-last layout: input (N, spatial..., Cin),
// weight (Cout, kernel..., Cin / groups). Kernel: backend/cpu/conv.cpp.
#pragma once
#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// A cross-correlation with zero padding (pad_lo_/pad_hi_ >= 0 before and
// after each spatial dimension; empty means none), which the kernel reads
// in place instead of a padded copy. Input dilation, flipping and negative
// padding (cropping) are done by the builder with ordinary ops.
class Convolution : public UnaryOutputPrimitive {
 public:
  Convolution(Stream s, Shape stride, Shape dilation, int groups, Shape pad_lo = {},
              Shape pad_hi = {})
      : UnaryOutputPrimitive(s), stride_(std::move(stride)),
        dilation_(std::move(dilation)), pad_lo_(std::move(pad_lo)),
        pad_hi_(std::move(pad_hi)), groups_(groups) {
    if (pad_lo_.empty()) pad_lo_.assign(stride_.size(), 0);
    if (pad_hi_.empty()) pad_hi_.assign(stride_.size(), 0);
  }
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Convolution"; }
  EMBER_EXPORT_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Convolution*>(&o);
    return p && p->stride_ == stride_ && p->dilation_ == dilation_ &&
           p->pad_lo_ == pad_lo_ && p->pad_hi_ == pad_hi_ && p->groups_ == groups_;
  }
  EMBER_TRANSFORM_RULES

 private:
  Shape stride_, dilation_, pad_lo_, pad_hi_;
  int groups_;
};

array conv_general(const array& input, const array& weight, Shape stride,
                   Shape pad_lo, Shape pad_hi, Shape kernel_dilation,
                   Shape input_dilation, int groups, bool flip,
                   StreamOrDevice s = {});
array conv_transpose(const array& input, const array& weight, Shape stride,
                     Shape padding, Shape dilation, Shape output_padding,
                     int groups, StreamOrDevice s = {});
// 1-D signal convolution ("full", "same" or "valid").
array convolve(const array& a, const array& v, const std::string& mode,
               StreamOrDevice s = {});

}  // namespace ember
