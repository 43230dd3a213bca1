// Shape primitives. Reshape, Transpose, Slice and Broadcast are views of
// their input where the layout allows; kernels: backend/cpu/shape.cpp.
#pragma once
#include <optional>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

#define EMBER_SHAPE_PRIMITIVE(Class, Member)                               \
  class Class : public UnaryOutputPrimitive {                              \
   public:                                                                 \
    Class(Stream s, std::vector<int64_t> v)                                \
        : UnaryOutputPrimitive(s), Member(std::move(v)) {}                 \
    using UnaryOutputPrimitive::eval_cpu;                                  \
    void eval_cpu(const std::vector<array>& inputs, array& out) override; \
    const char* name() const override { return #Class; }                   \
    bool is_equivalent(const Primitive& o) const override {                \
      auto* p = dynamic_cast<const Class*>(&o);                            \
      return p && p->Member == Member;                                     \
    }                                                                      \
    const std::vector<int64_t>& params() const { return Member; }          \
    EMBER_TRANSFORM_RULES                                                  \
    EMBER_EXPORT_RULES                                                     \
                                                                           \
   private:                                                                \
    std::vector<int64_t> Member;                                           \
  };

EMBER_SHAPE_PRIMITIVE(Transpose, perm_)
EMBER_SHAPE_PRIMITIVE(Broadcast, shape_)
#undef EMBER_SHAPE_PRIMITIVE

// inputs: x (at least 2-D) and another array of at least 2 dimensions:
// x with its batch dimensions (all but the last two) broadcast against the
// other's. The target comes from the inputs, so a shapeless compiled
// matmul of broadcast batches follows new shapes.
class BroadcastBatch : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "BroadcastBatch"; }
  bool is_equivalent(const Primitive& o) const override {
    return dynamic_cast<const BroadcastBatch*>(&o) != nullptr;
  }
  EMBER_TRANSFORM_RULES
  EMBER_EXPORT_RULES
};

// The shape BroadcastBatch gives x against `other`.
Shape broadcast_batch_shape(const Shape& x, const Shape& other);
array broadcast_batch(const array& x, const array& other, StreamOrDevice s = {});

// How a reshape made during a shapeless compile trace follows new input
// shapes: output dimension i is the product of input dimensions
// [from[i], to[i]) when from[i] >= 0, and size[i] otherwise (-1: the size
// that keeps the element count).
struct ReshapeRule {
  std::vector<int64_t> size;
  std::vector<int> from, to;
  bool operator==(const ReshapeRule&) const = default;
};

class Reshape : public UnaryOutputPrimitive {
 public:
  Reshape(Stream s, std::vector<int64_t> shape, std::optional<ReshapeRule> rule = std::nullopt)
      : UnaryOutputPrimitive(s), shape_(std::move(shape)), rule_(std::move(rule)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Reshape"; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Reshape*>(&o);
    return p && p->shape_ == shape_ && p->rule_ == rule_;
  }
  const std::vector<int64_t>& params() const { return shape_; }
  EMBER_TRANSFORM_RULES
  EMBER_EXPORT_RULES

 private:
  std::vector<int64_t> shape_;
  std::optional<ReshapeRule> rule_;
};

// A reshape to `shape` that, inside a shapeless compile trace, records
// `rule` when given (ops/shape.cpp builders use it; elsewhere it equals
// reshape).
array reshape_with_rule(const array& a, Shape shape, std::optional<ReshapeRule> rule,
                        StreamOrDevice s);

// start is normalized (in range) and shape is the output's.
class Slice : public UnaryOutputPrimitive {
 public:
  Slice(Stream s, Shape start, Shape strides, Shape shape)
      : UnaryOutputPrimitive(s), start_(std::move(start)),
        strides_(std::move(strides)), shape_(std::move(shape)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Slice"; }
  const Shape& start() const { return start_; }
  const Shape& steps() const { return strides_; }
  EMBER_SAVE_RULE
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Slice*>(&o);
    return p && p->start_ == start_ && p->strides_ == strides_;
  }

 private:
  Shape start_, strides_, shape_;
};

// A copy of the first input with `update` written over a strided region.
class SliceUpdate : public UnaryOutputPrimitive {
 public:
  SliceUpdate(Stream s, Shape start, Shape strides)
      : UnaryOutputPrimitive(s), start_(std::move(start)),
        strides_(std::move(strides)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "SliceUpdate"; }
  const Shape& start() const { return start_; }
  const Shape& steps() const { return strides_; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const SliceUpdate*>(&o);
    return p && p->start_ == start_ && p->strides_ == strides_;
  }

 private:
  Shape start_, strides_;
};

// A view with caller-given shape, strides and offset over the
// (row-contiguous) input; the builder checks that it stays inside.
class AsStrided : public UnaryOutputPrimitive {
 public:
  AsStrided(Stream s, Strides strides, int64_t offset)
      : UnaryOutputPrimitive(s), strides_(std::move(strides)), offset_(offset) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AsStrided"; }
  const Strides& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  EMBER_SAVE_RULE
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const AsStrided*>(&o);
    return p && p->strides_ == strides_ && p->offset_ == offset_;
  }

 private:
  Strides strides_;
  int64_t offset_;
};

class Concatenate : public UnaryOutputPrimitive {
 public:
  Concatenate(Stream s, int axis) : UnaryOutputPrimitive(s), axis_(axis) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Concatenate"; }
  int axis() const { return axis_; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Concatenate*>(&o);
    return p && p->axis_ == axis_;
  }

 private:
  int axis_;
};

// Constant padding: inputs x and a scalar value of x's dtype; the output
// has lo[i] + x.shape[i] + hi[i] along each axis. One primitive (not a
// concatenation of filled blocks) so that its output shape follows x's.
class Pad : public UnaryOutputPrimitive {
 public:
  Pad(Stream s, Shape lo, Shape hi)
      : UnaryOutputPrimitive(s), lo_(std::move(lo)), hi_(std::move(hi)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Pad"; }
  const Shape& low() const { return lo_; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Pad*>(&o);
    return p && p->lo_ == lo_ && p->hi_ == hi_;
  }

 private:
  Shape lo_, hi_;
};

}  // namespace ember
