// Convolution in MLX's channels-last layout: input (N, spatial..., Cin),
// weight (Cout, kernel..., Cin / groups). Kernel: backend/cpu/conv.cpp.
#pragma once
#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// A "valid" convolution (cross-correlation): padding, input dilation and
// flipping are done by the builder with ordinary ops.
class Convolution : public UnaryOutputPrimitive {
 public:
  Convolution(Stream s, Shape stride, Shape dilation, int groups)
      : UnaryOutputPrimitive(s), stride_(std::move(stride)),
        dilation_(std::move(dilation)), groups_(groups) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Convolution"; }
  EMBER_EXPORT_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Convolution*>(&o);
    return p && p->stride_ == stride_ && p->dilation_ == dilation_ &&
           p->groups_ == groups_;
  }
  EMBER_TRANSFORM_RULES

 private:
  Shape stride_, dilation_;
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
