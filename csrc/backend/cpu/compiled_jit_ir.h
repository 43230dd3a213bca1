// The vector program the fused-kernel compiler builds: straight-line code
// over 16-lane float32 (or int32) values and lane masks, one loop body.
// compiled_jit.cpp lowers fused ops into it; compiled_jit_emit.cpp assigns
// registers and emits AVX-512 code.
#pragma once
#include <cstdint>
#include <map>
#include <vector>

namespace ember::cpu::jit {

enum class V : uint8_t {
  Load,   // imm: input index
  Const,  // imm: constant-area slot
  Store,  // a: value, imm: output index
  Add, Sub, Mul, Div, Min, Max,  // float, min/max as vminps/vmaxps (NaN: b)
  And, AndNot, Or, Xor,          // bitwise; AndNot is ~a & b
  OrAnd,                         // bitwise a | (b & c)
  IAdd, ISub,                    // int32 lanes
  Shl, Sar,                      // int32 lanes by imm
  Sqrt, Cvtt, Cvt, Round,        // Cvtt: float to int32, Cvt: back; Round: imm mode
  Fma, Fnma,                     // a * b + c, c - a * b
  Cmp,                           // mask = a <imm predicate> b
  CmpIf,                         // mask = c && (a <imm> b), c a mask
  Blend,                         // a mask, b if false, c if true
};

struct Inst {
  V op;
  int a = -1, b = -1, c = -1;
  int imm = 0;
};

// vcmpps predicates.
enum Pred : int { kEq = 0x00, kLt = 0x01, kLe = 0x02, kUnord = 0x03, kNeq = 0x04,
                  kNge = 0x09, kNgt = 0x0A, kOrd = 0x07, kGe = 0x0D, kGt = 0x0E };

struct Program {
  std::vector<Inst> insts;
  std::vector<uint32_t> consts;  // constant area (bit patterns)
  std::map<uint32_t, int> const_value;

  int emit(V op, int a = -1, int b = -1, int c = -1, int imm = 0) {
    insts.push_back({op, a, b, c, imm});
    return static_cast<int>(insts.size()) - 1;
  }
  bool is_mask(int v) const { return insts[v].op == V::Cmp || insts[v].op == V::CmpIf; }
  // A constant, shared by every use of the same bits.
  int bits(uint32_t b);
  int f(float v);
  // A constant-area slot filled at call time (an input with one element).
  int param_slot() {
    consts.push_back(0);
    return static_cast<int>(consts.size()) - 1;
  }
};

// Emits the program as a function (see JitFn); empty when it needs more
// registers than there are.
std::vector<uint8_t> emit_program(const Program& p, int n_inputs);

}  // namespace ember::cpu::jit
