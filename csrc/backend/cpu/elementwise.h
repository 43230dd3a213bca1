// Shared pieces of the unary, binary and ternary kernels.
#pragma once
#include <type_traits>

#include "core/dispatch.h"

namespace ember::cpu {

enum class Rule { Same, Float, Bool, Int, Arith, Compare, Logical, Bitwise };

// Which element types a table row's kernel is instantiated for; the
// builders reject the rest before anything runs.
template <typename T, Rule rule, bool cplx>
constexpr bool type_allowed() {
  constexpr bool is_c = std::is_same_v<T, complex64_t>;
  constexpr bool is_f = std::is_floating_point_v<T> ||
                        std::is_same_v<T, float16_t> ||
                        std::is_same_v<T, bfloat16_t>;
  constexpr bool is_b = std::is_same_v<T, bool>;
  if (is_c && !cplx) return false;
  switch (rule) {
    case Rule::Float:
      return is_f || is_c;
    case Rule::Int:
    case Rule::Bitwise:
      return !is_f && !is_c;
    case Rule::Logical:
      return is_b;
    default:
      return true;
  }
}

// Output element type of a row for input element type T.
template <typename T, Rule rule>
using out_type_t =
    std::conditional_t<rule == Rule::Bool || rule == Rule::Compare ||
                           rule == Rule::Logical,
                       bool, T>;

}  // namespace ember::cpu
