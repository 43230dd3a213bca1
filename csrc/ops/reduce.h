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
  Kind kind() const { return kind_; }
  int axis() const { return axis_; }
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

// The number of elements of the input along `axes` (or its reciprocal) as a
// scalar of `dtype`, computed from the input's shape when it runs. mean and
// var use it inside shapeless compile traces, where the count must follow
// new input shapes instead of being frozen into the program.
class NumberOfElements : public UnaryOutputPrimitive {
 public:
  NumberOfElements(Stream s, std::vector<int> axes, bool inverted, Dtype dtype)
      : UnaryOutputPrimitive(s), axes_(std::move(axes)), inverted_(inverted), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "NumberOfElements"; }
  const std::vector<int>& axes() const { return axes_; }
  bool inverted() const { return inverted_; }
  bool stops_gradient() const override { return true; }
  EMBER_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {Shape{}}; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const NumberOfElements*>(&o);
    return p && p->axes_ == axes_ && p->inverted_ == inverted_ && p->dtype_ == dtype_;
  }

 private:
  std::vector<int> axes_;
  bool inverted_;
  Dtype dtype_;
};

// softmax along one axis: each line is read for its maximum, then once
// more for the exponentials and their sum, and scaled in place; half types
// are computed in float32. Multi-axis softmax stays a composition.
class Softmax : public UnaryOutputPrimitive {
 public:
  Softmax(Stream s, int axis) : UnaryOutputPrimitive(s), axis_(axis) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Softmax"; }
  int axis() const { return axis_; }
  EMBER_SAVE_RULE
  EMBER_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& in) override {
    return {in[0].shape()};
  }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Softmax*>(&o);
    return p && p->axis_ == axis_;
  }

 private:
  int axis_;
};

}  // namespace ember
