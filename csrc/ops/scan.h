// Cumulative reductions along an axis, and sorting. Kernels:
// backend/cpu/scan.cpp.
#pragma once
#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

class Scan : public UnaryOutputPrimitive {
 public:
  enum Kind { Sum, Prod, Max, Min, LogAddExp };
  Scan(Stream s, Kind kind, int axis, bool reverse, bool inclusive)
      : UnaryOutputPrimitive(s), kind_(kind), axis_(axis), reverse_(reverse),
        inclusive_(inclusive) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override;
  EMBER_EXPORT_RULES
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Scan*>(&o);
    return p && p->kind_ == kind_ && p->axis_ == axis_ &&
           p->reverse_ == reverse_ && p->inclusive_ == inclusive_;
  }
  EMBER_TRANSFORM_RULES

 private:
  // Gradient of a cumulative product that stays exact with zeros.
  array cumprod_vjp(const array& x, const array& g, Stream s) const;
  // For cummax/cummin: which input position each output copies, and
  // per_output aligned with those positions (exclusive scans drop one).
  std::pair<array, array> extreme_sources(const array& x, const array& per_output,
                                          Stream s) const;

  Kind kind_;
  int axis_;
  bool reverse_, inclusive_;
};

// Stable indices (uint32) that sort each line along the axis; NaNs last.
class ArgSort : public UnaryOutputPrimitive {
 public:
  ArgSort(Stream s, int axis) : UnaryOutputPrimitive(s), axis_(axis) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "ArgSort"; }
  EMBER_EXPORT_RULES
  bool stops_gradient() const override { return true; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const ArgSort*>(&o);
    return p && p->axis_ == axis_;
  }
  EMBER_TRANSFORM_RULES

 private:
  int axis_;
};

// inputs: a sorted 1-D sequence and values of one dtype. Output (uint32,
// the values' shape): each value's insertion point, before equal elements
// (left) or after them (right); NaN sorts last.
class SearchSorted : public UnaryOutputPrimitive {
 public:
  SearchSorted(Stream s, bool right) : UnaryOutputPrimitive(s), right_(right) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "SearchSorted"; }
  EMBER_SAVE_RULE
  bool stops_gradient() const override { return true; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const SearchSorted*>(&o);
    return p && p->right_ == right_;
  }
  EMBER_TRANSFORM_RULES

 private:
  bool right_;
};

array searchsorted(const array& sorted, const array& values, bool right,
                   StreamOrDevice s = {});
array cumsum(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s = {});
array cumprod(const array& a, int64_t axis, bool reverse, bool inclusive,
              StreamOrDevice s = {});
array cummax(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s = {});
array cummin(const array& a, int64_t axis, bool reverse, bool inclusive,
             StreamOrDevice s = {});
array logcumsumexp(const array& a, int64_t axis, bool reverse, bool inclusive,
                   StreamOrDevice s = {});
array argsort(const array& a, int64_t axis, StreamOrDevice s = {});
array sort(const array& a, int64_t axis, StreamOrDevice s = {});
array topk(const array& a, int64_t k, int64_t axis, StreamOrDevice s = {});
array median(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});

// Sorted unique values of the flattened input in a fixed-size output:
// first index of each, the value number of every input element, counts.
struct UniqueResult {
  array values, index, inverse, counts;
};
UniqueResult unique(const array& a, int64_t size, const std::optional<array>& fill,
                    StreamOrDevice s = {});

}  // namespace ember
