// Quantization: fp8 conversion, quantize/dequantize in the affine and
// microscaling modes, and matrix products with quantized weights.
// Kernels: backend/cpu/quantized.cpp.
#pragma once
#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// Elementwise conversion to fp8 e4m3 bytes (uint8) or back from them.
class Fp8Convert : public UnaryOutputPrimitive {
 public:
  Fp8Convert(Stream s, bool encode, Dtype dtype)
      : UnaryOutputPrimitive(s), encode_(encode), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return encode_ ? "ToFp8" : "FromFp8"; }
  bool stops_gradient() const override { return true; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Fp8Convert*>(&o);
    return p && p->encode_ == encode_ && p->dtype_ == dtype_;
  }
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

 private:
  bool encode_;
  Dtype dtype_;  // of the output
};

array to_fp8(const array& x, StreamOrDevice s = {});
array from_fp8(const array& x, Dtype dtype, StreamOrDevice s = {});

}  // namespace ember
