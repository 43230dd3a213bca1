// Primitive classes of the elementwise families, generated from the tables.
// Every unary op shares one vjp/jvp/vmap built on its derivative; every
// binary op one built on its two partial derivatives (ops/unary.cpp,
// ops/binary.cpp). Kernels: backend/cpu/unary.cpp, binary_*.cpp.
#pragma once
#include <string_view>
#include <typeinfo>

#include "core/primitive.h"

namespace ember {

class UnaryElementwise : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  // d(output)/d(input) given input x and output y; an empty array when the
  // op has no gradient.
  virtual array derivative(const array& x, const array& y) const = 0;
  // This op applied to another input.
  virtual array apply(const array& x) const = 0;
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& o) const override {
    return typeid(o) == typeid(*this);
  }
  EMBER_EXPORT_RULES
};

class BinaryElementwise : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  // d(output)/da and d(output)/db given inputs and output; empty arrays when
  // the op has no gradient.
  virtual std::pair<array, array> partials(const array& a, const array& b,
                                           const array& y) const = 0;
  virtual array apply(const array& a, const array& b) const = 0;
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& o) const override {
    return typeid(o) == typeid(*this);
  }
  EMBER_EXPORT_RULES
};

#define UNARY(Class, name_, rule, cplx, ...)                                \
  class Class : public UnaryElementwise {                                   \
   public:                                                                  \
    using UnaryElementwise::UnaryElementwise;                               \
    void eval_cpu(const std::vector<array>& inputs, array& out) override;  \
    const char* name() const override { return #Class; }                    \
    array derivative(const array& x, const array& y) const override;       \
    array apply(const array& x) const override;                             \
    bool stops_gradient() const override {                                  \
      return std::string_view(#__VA_ARGS__) == "NONDIFF";                   \
    }                                                                       \
    bool cuts_dependence() const override {                                 \
      return std::string_view(#Class) == "StopGradient";                    \
    }                                                                       \
  };
#include "ops/unary.def"
#undef UNARY

#define BINARY(Class, name_, rule, cplx, ...)                               \
  class Class : public BinaryElementwise {                                  \
   public:                                                                  \
    using BinaryElementwise::BinaryElementwise;                             \
    void eval_cpu(const std::vector<array>& inputs, array& out) override;  \
    const char* name() const override { return #Class; }                    \
    std::pair<array, array> partials(const array& a, const array& b,        \
                                     const array& y) const override;        \
    array apply(const array& a, const array& b) const override;             \
    bool stops_gradient() const override {                                  \
      return std::string_view(#__VA_ARGS__) == "NONDIFF, NONDIFF";          \
    }                                                                       \
  };
#include "ops/binary.def"
#undef BINARY

// Complex conjugate: anti-linear, so its pullback is conj(g) rather than a
// product with a derivative.
class Conjugate : public UnaryElementwise {
 public:
  using UnaryElementwise::UnaryElementwise;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Conjugate"; }
  array derivative(const array& x, const array& y) const override;
  array apply(const array& x) const override;
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
};

// The real (or imaginary) part of a complex64 array, as float32.
class ComplexPart : public UnaryOutputPrimitive {
 public:
  ComplexPart(Stream s, bool imag) : UnaryOutputPrimitive(s), imag_(imag) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return imag_ ? "Imag" : "Real"; }
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const ComplexPart*>(&o);
    return p && p->imag_ == imag_;
  }
  EMBER_TRANSFORM_RULES
  EMBER_EXPORT_RULES

 private:
  bool imag_;
};

// where(cond, x, y)
class Select : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Select"; }
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::vector<array> jvp(const std::vector<array>& primals,
                         const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& o) const override {
    return typeid(o) == typeid(*this);
  }
  EMBER_EXPORT_RULES
};

}  // namespace ember
