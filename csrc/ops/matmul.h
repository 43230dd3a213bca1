// Matrix multiplication; kernel: backend/cpu/matmul.cpp (OpenBLAS).
#pragma once
#include "core/primitive.h"

namespace ember {

// (..., M, K) @ (..., K, N) with batch dimensions already broadcast.
class Matmul : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Matmul"; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    return dynamic_cast<const Matmul*>(&o) != nullptr;
  }
};

}  // namespace ember
