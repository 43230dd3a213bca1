// The dtype rules of the elementwise tables (ops/unary.def, ops/binary.def),
// shared by the builders and every backend's kernels. Plain constexpr C++:
// the CUDA kernels include it too.
#pragma once

namespace ember {

//   Same: output dtype = input; Float: integers are computed as float32;
//   Bool: output bool; Int: integers and bool only (unary rows).
//   Arith: output = promoted dtype; Compare: output bool; Logical: inputs
//   and output bool; Bitwise: integers and bool only (binary rows).
enum class Rule { Same, Float, Bool, Int, Arith, Compare, Logical, Bitwise };

enum class Kind { Bool, Integer, Floating, Complex };

// Whether a row has a kernel for inputs of this kind; the builders cast
// (Float, Logical) or reject the rest before anything runs.
constexpr bool rule_allows(Rule rule, Kind kind, bool complex_ok) {
  if (kind == Kind::Complex && !complex_ok) return false;
  switch (rule) {
    case Rule::Float:
      return kind == Kind::Floating || kind == Kind::Complex;
    case Rule::Int:
    case Rule::Bitwise:
      return kind == Kind::Bool || kind == Kind::Integer;
    case Rule::Logical:
      return kind == Kind::Bool;
    default:
      return true;
  }
}

// Whether a row's output is bool whatever its inputs.
constexpr bool rule_gives_bool(Rule rule) {
  return rule == Rule::Bool || rule == Rule::Compare || rule == Rule::Logical;
}

}  // namespace ember
