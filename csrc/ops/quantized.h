// Quantization: fp8 conversion, quantize/dequantize in the affine and
// microscaling modes, and matrix products with quantized weights.
// Kernels: backend/cpu/quantized.cpp.
#pragma once
#include <optional>
#include <string>

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
  EMBER_SAVE_RULE
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

// A validated quantization layout. Affine groups store q in `bits` bits
// with a scale and bias per group (w = scale * q + bias); the microscaling
// modes store fp4 (e2m1) or fp8 (e4m3) codes with one 8-bit scale per group
// (e8m0 for mxfp*, e4m3 for nvfp4, times an optional global scale). Codes
// are packed as a little-endian bitstream in uint32 words.
struct QuantSpec {
  enum Mode { Affine, Mxfp4, Mxfp8, Nvfp4 } mode;
  int group_size;
  int bits;
  bool operator==(const QuantSpec&) const = default;
};
const char* mode_name(QuantSpec::Mode m);
QuantSpec quant_spec(const std::string& mode, std::optional<int> group_size,
                     std::optional<int> bits, const char* op);

// inputs: w (..., K) [, global scale]. Outputs: packed codes (uint32),
// scales (w's dtype for affine, uint8 otherwise) [, biases].
class Quantize : public Primitive {
 public:
  Quantize(Stream s, QuantSpec spec) : Primitive(s), spec_(spec) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "Quantize"; }
  EMBER_SAVE_RULE
  bool stops_gradient() const override { return true; }
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

 private:
  QuantSpec spec_;
};

// inputs: packed codes, scales [, biases (affine)] [, global scale
// (nvfp4)]. Output (..., K) of the chosen floating dtype.
class Dequantize : public UnaryOutputPrimitive {
 public:
  Dequantize(Stream s, QuantSpec spec, bool has_global, Dtype dtype)
      : UnaryOutputPrimitive(s), spec_(spec), has_global_(has_global), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Dequantize"; }
  EMBER_SAVE_RULE
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Dequantize*>(&o);
    return p && p->spec_ == spec_ && p->has_global_ == has_global_;
  }
  EMBER_TRANSFORM_RULES

 private:
  QuantSpec spec_;
  bool has_global_;
  Dtype dtype_;
};

std::vector<array> quantize(const array& w, std::optional<int> group_size,
                            std::optional<int> bits, const std::string& mode,
                            const std::optional<array>& global_scale, StreamOrDevice s = {});
array dequantize(const array& wq, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, const std::optional<array>& global_scale,
                 std::optional<Dtype> dtype, StreamOrDevice s = {});
// x @ dequantize(w).T (transpose) or x @ dequantize(w).
array quantized_matmul(const array& x, const array& wq, const array& scales,
                       const std::optional<array>& biases, bool transpose,
                       std::optional<int> group_size, std::optional<int> bits,
                       const std::string& mode, StreamOrDevice s = {});
array gather_qmm(const array& x, const array& wq, const array& scales,
                 const std::optional<array>& biases, const std::optional<array>& lhs,
                 const std::optional<array>& rhs, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, const std::optional<array>& global_scale,
                 StreamOrDevice s = {});
// Both operands quantized (w may come already quantized with its scales):
// dequantize(quantize(x)) @ dequantize(w).T.
array qqmm(const array& x, const array& w, const std::optional<array>& scales,
           std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
           const std::optional<array>& global_scale_x,
           const std::optional<array>& global_scale_w, const std::optional<array>& lhs,
           const std::optional<array>& rhs, StreamOrDevice s = {});

array to_fp8(const array& x, StreamOrDevice s = {});
array from_fp8(const array& x, Dtype dtype, StreamOrDevice s = {});

}  // namespace ember
