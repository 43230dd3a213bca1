// Reduction primitives; kernels: backend/cpu/reduce.cpp.
#pragma once
#include "core/primitive.h"

namespace ember {

class Reduce : public UnaryOutputPrimitive {
 public:
  enum Kind { Sum, Prod, Max, Min, And, Or };
  Reduce(Stream s, Kind kind, std::vector<int> axes)
      : UnaryOutputPrimitive(s), kind_(kind), axes_(std::move(axes)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override;
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Reduce*>(&o);
    return p && p->kind_ == kind_ && p->axes_ == axes_;
  }
  Kind kind() const { return kind_; }
  const std::vector<int>& axes() const { return axes_; }

 private:
  Kind kind_;
  // Sorted; the output keeps them as size-1 dimensions.
  std::vector<int> axes_;
};

class ArgReduce : public UnaryOutputPrimitive {
 public:
  enum Kind { ArgMin, ArgMax };
  ArgReduce(Stream s, Kind kind, int axis)
      : UnaryOutputPrimitive(s), kind_(kind), axis_(axis) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override {
    return kind_ == ArgMin ? "ArgMin" : "ArgMax";
  }
  EMBER_SAVE_RULE
  bool stops_gradient() const override { return true; }
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const ArgReduce*>(&o);
    return p && p->kind_ == kind_ && p->axis_ == axis_;
  }

 private:
  Kind kind_;
  int axis_;
};

}  // namespace ember
