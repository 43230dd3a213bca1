// Primitives that copy or convert data. Kernels: backend/cpu/copy.cpp.
#pragma once
#include "core/primitive.h"

namespace ember {

class AsType : public UnaryOutputPrimitive {
 public:
  AsType(Stream s, Dtype dtype) : UnaryOutputPrimitive(s), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AsType"; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES
  bool is_equivalent(const Primitive& o) const override;
  Dtype dtype() const { return dtype_; }

 private:
  Dtype dtype_;
};

// A row-contiguous (or column-contiguous if allowed) copy.
class Copy : public UnaryOutputPrimitive {
 public:
  Copy(Stream s, bool allow_col_major)
      : UnaryOutputPrimitive(s), allow_col_(allow_col_major) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Copy"; }
  bool allows_col_major() const { return allow_col_; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES

 private:
  bool allow_col_;
};

// Reinterprets the bytes of the input as another dtype.
class View : public UnaryOutputPrimitive {
 public:
  View(Stream s, Dtype dtype) : UnaryOutputPrimitive(s), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "View"; }
  EMBER_EXPORT_RULES
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

 private:
  Dtype dtype_;
};

// Fills the output with a (broadcast) input, converting its dtype.
class Full : public UnaryOutputPrimitive {
 public:
  Full(Stream s, Shape shape, Dtype dtype)
      : UnaryOutputPrimitive(s), shape_(std::move(shape)), dtype_(dtype) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Full"; }
  EMBER_SAVE_RULE
  EMBER_TRANSFORM_RULES

 private:
  Shape shape_;
  Dtype dtype_;
};

class Arange : public UnaryOutputPrimitive {
 public:
  Arange(Stream s, double start, double step)
      : UnaryOutputPrimitive(s), start_(start), step_(step) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Arange"; }
  double start() const { return start_; }
  double step() const { return step_; }
  EMBER_SAVE_RULE

 private:
  double start_, step_;
};

// Outputs alias the first n inputs; the remaining inputs are evaluated
// first but not otherwise used (mx.depends).
class Depends : public Primitive {
 public:
  Depends(Stream s, size_t n) : Primitive(s), n_(n) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "Depends"; }
  size_t count() const { return n_; }
  EMBER_EXPORT_RULES
  EMBER_TRANSFORM_RULES

 private:
  size_t n_;
};

std::vector<array> depends(const std::vector<array>& inputs,
                           const std::vector<array>& dependencies);

}  // namespace ember
