// Shared pieces of the unary, binary and ternary kernels.
#pragma once
#include <type_traits>

#include "core/dispatch.h"
#include "ops/elementwise_rules.h"

namespace ember::cpu {

using ember::Rule;

template <typename T>
constexpr Kind kind_of() {
  if constexpr (std::is_same_v<T, complex64_t>) return Kind::Complex;
  else if constexpr (std::is_same_v<T, bool>) return Kind::Bool;
  else if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, float16_t> ||
                     std::is_same_v<T, bfloat16_t>) return Kind::Floating;
  else return Kind::Integer;
}

// Which element types a table row's kernel is instantiated for.
template <typename T, Rule rule, bool cplx>
constexpr bool type_allowed() {
  return rule_allows(rule, kind_of<T>(), cplx);
}

// Output element type of a row for input element type T.
template <typename T, Rule rule>
using out_type_t = std::conditional_t<rule_gives_bool(rule), bool, T>;

}  // namespace ember::cpu
