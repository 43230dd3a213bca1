// Gather and scatter: indexing with arrays. Kernels:
// backend/cpu/indexing.cpp.
#pragma once
#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// inputs: src, then one int64 index array per axis in axes_, all of one
// (broadcast) shape B. Output: B + slice_sizes_, where slice k starts at
// src[idx_0[b], ..., idx_m[b]] along axes_ and at 0 elsewhere.
class Gather : public UnaryOutputPrimitive {
 public:
  Gather(Stream s, std::vector<int> axes, Shape slice_sizes)
      : UnaryOutputPrimitive(s), axes_(std::move(axes)),
        slice_sizes_(std::move(slice_sizes)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Gather"; }
  EMBER_SAVE_RULE
  bool is_index_input(size_t i, size_t) const override { return i > 0; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Gather*>(&o);
    return p && p->axes_ == axes_ && p->slice_sizes_ == slice_sizes_;
  }
  EMBER_TRANSFORM_RULES

 private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// inputs: src, index arrays (as for Gather), updates of shape B + slice
// shape. Output: src with each update slice combined into place; repeated
// indices accumulate (Add, Prod, Max, Min) or the last one wins (None).
class Scatter : public UnaryOutputPrimitive {
 public:
  enum Kind { None, Add, Prod, Max, Min };
  Scatter(Stream s, Kind kind, std::vector<int> axes)
      : UnaryOutputPrimitive(s), kind_(kind), axes_(std::move(axes)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override;
  EMBER_SAVE_RULE
  bool is_index_input(size_t i, size_t n) const override { return i > 0 && i + 1 < n; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Scatter*>(&o);
    return p && p->kind_ == kind_ && p->axes_ == axes_;
  }
  EMBER_TRANSFORM_RULES

 private:
  Kind kind_;
  std::vector<int> axes_;
};

// Builders (indices are broadcast together and converted to int64).
array gather(const array& src, const std::vector<array>& indices,
             const std::vector<int>& axes, const Shape& slice_sizes,
             StreamOrDevice s = {});
array scatter(const array& src, const std::vector<array>& indices,
              const array& updates, const std::vector<int>& axes,
              Scatter::Kind kind, StreamOrDevice s = {});
array take(const array& a, const array& indices, int64_t axis,
           StreamOrDevice s = {});
array take(const array& a, const array& indices, StreamOrDevice s = {});
array take_along_axis(const array& a, const array& indices, int64_t axis,
                      StreamOrDevice s = {});
array put_along_axis(const array& a, const array& indices, const array& values,
                     int64_t axis, StreamOrDevice s = {});
// put_along_axis that combines with the existing values by kind.
array scatter_along_axis(const array& a, const array& indices,
                         const array& values, int64_t axis, Scatter::Kind kind,
                         StreamOrDevice s = {});

}  // namespace ember
