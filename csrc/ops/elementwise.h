// Primitive classes of the elementwise families, generated from the tables.
// Kernels: backend/cpu/unary.cpp, binary.cpp, ternary.cpp.
#pragma once
#include <typeinfo>

#include "core/primitive.h"

namespace ember {

#define EMBER_ELEMENTWISE_CLASS(Class)                                     \
  class Class : public UnaryOutputPrimitive {                              \
   public:                                                                 \
    using UnaryOutputPrimitive::UnaryOutputPrimitive;                      \
    using UnaryOutputPrimitive::eval_cpu;                                  \
    void eval_cpu(const std::vector<array>& inputs, array& out) override; \
    const char* name() const override { return #Class; }                   \
    bool is_equivalent(const Primitive& o) const override {                \
      return typeid(o) == typeid(*this);                                   \
    }                                                                      \
  };

#define UNARY(Class, name, rule, cplx) EMBER_ELEMENTWISE_CLASS(Class)
#include "ops/unary.def"
#undef UNARY
#define BINARY(Class, name, rule, cplx) EMBER_ELEMENTWISE_CLASS(Class)
#include "ops/binary.def"
#undef BINARY
// where(cond, x, y)
EMBER_ELEMENTWISE_CLASS(Select)

}  // namespace ember
