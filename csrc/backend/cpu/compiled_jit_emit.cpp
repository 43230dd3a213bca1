// Register assignment and AVX-512 code for a vector program. The program
// is one loop body; every value gets a zmm register (masks a k register)
// from its definition to its last use. Constants are broadcast into
// registers before the loop when they fit, and are otherwise read as
// broadcast memory operands. The function (see JitFn) is
//   rdi: pointers (inputs, then outputs), rsi: constant area, rdx: bytes;
//   rcx: byte offset of the current 16 lanes; rax: a stream pointer.
#include <algorithm>

#include "backend/cpu/compiled_jit_ir.h"
#include "backend/cpu/x86_asm.h"

namespace ember::cpu::jit {

namespace {

using namespace x86;

constexpr int kScratchA = 30, kScratchB = 31;  // never assigned to values
constexpr int kValueRegs = 30;

class Emitter {
 public:
  Emitter(const Program& p, int n_inputs) : p_(p), n_in_(n_inputs) {}

  // False when the registers run out.
  bool run(bool hoist);
  const std::vector<uint8_t>& code() const { return as_.code(); }

 private:
  bool is_const(int v) const { return p_.insts[v].op == V::Const; }
  bool in_memory(int v) const { return is_const(v) && reg_[v] < 0; }
  Mem const_mem(int v, bool bcst) const {
    return Mem{rsi, -1, 4 * p_.insts[v].imm, bcst};
  }
  bool dies(int v, int at) const { return !is_const(v) && last_use_[v] == at; }

  // v in a register: its own, or `scratch` loaded from the constant area.
  int in_reg(int v, int scratch) {
    if (!in_memory(v)) return reg_[v];
    as_.vec(op::broadcastss, scratch, 0, const_mem(v, false));
    return scratch;
  }
  // An instruction whose last operand (r/m) is v: a register or memory.
  void with_rm(Op o, int reg, int vvvv, int v, int mask = 0) {
    if (in_memory(v)) as_.vec(o, reg, vvvv, const_mem(v, true), mask);
    else as_.vec(o, reg, vvvv, reg_[v], mask);
  }

  int take(std::vector<int>& pool) {
    if (pool.empty()) return -1;
    int r = pool.back();
    pool.pop_back();
    return r;
  }
  // Returns a dying operand's register to its pool (once, though an
  // operand may be listed twice); reg_ keeps it for this instruction.
  void release(int v, int at, int keep = -1) {
    if (v < 0 || !dies(v, at) || released_[v] || reg_[v] == keep) return;
    (p_.is_mask(v) ? masks_ : zmm_).push_back(reg_[v]);
    released_[v] = 1;
  }

  void liveness();
  bool emit_inst(int i);
  bool emit_fma(int i, const Inst& in);
  bool emit_or_and(int i, const Inst& in);

  const Program& p_;
  int n_in_;
  Assembler as_;
  std::vector<int> last_use_, reg_;
  std::vector<char> live_, released_;
  std::vector<int> zmm_, masks_;
};

// Stores are live, and so is what they read; dead values are never
// emitted. last_use is the last live instruction reading a value.
void Emitter::liveness() {
  int n = static_cast<int>(p_.insts.size());
  live_.assign(n, 0);
  last_use_.assign(n, -1);
  for (int i = n - 1; i >= 0; --i) {
    const Inst& in = p_.insts[i];
    if (in.op == V::Store) live_[i] = 1;
    if (!live_[i]) continue;
    for (int v : {in.a, in.b, in.c}) {
      if (v < 0) continue;
      live_[v] = 1;
      last_use_[v] = std::max(last_use_[v], i);
    }
  }
}

bool Emitter::run(bool hoist) {
  liveness();
  int n = static_cast<int>(p_.insts.size());
  reg_.assign(n, -1);
  released_.assign(n, 0);
  for (int r = kValueRegs - 1; r >= 0; --r) zmm_.push_back(r);
  for (int k = 7; k >= 1; --k) masks_.push_back(k);
  if (hoist) {
    for (int i = 0; i < n; ++i) {
      if (!is_const(i) || !live_[i]) continue;
      if ((reg_[i] = take(zmm_)) < 0) return false;
      as_.vec(op::broadcastss, reg_[i], 0, const_mem(i, false));
    }
  }
  as_.zero32(rcx);
  size_t top = as_.size();
  for (int i = 0; i < n; ++i) {
    if (live_[i] && !is_const(i) && !emit_inst(i)) return false;
  }
  as_.add_imm(rcx, 64);
  as_.cmp(rcx, rdx);
  as_.jb_back(top);
  as_.vzeroupper();
  as_.ret();
  return true;
}

bool Emitter::emit_inst(int i) {
  const Inst& in = p_.insts[i];
  if (in.op == V::Fma || in.op == V::Fnma) return emit_fma(i, in);
  if (in.op == V::OrAnd) return emit_or_and(i, in);
  if (in.op == V::Store) {
    int r = in_reg(in.a, kScratchA);
    as_.mov_load(rax, rdi, 8 * (n_in_ + in.imm));
    as_.vec(op::movups_store, r, 0, Mem{rax, rcx, 0, false});
    release(in.a, i);
    return true;
  }
  int a = in.a, b = in.b;
  bool commutes = in.op == V::Add || in.op == V::Mul || in.op == V::And || in.op == V::Or ||
                  in.op == V::Xor || in.op == V::IAdd;
  if (commutes && in_memory(a) && !in_memory(b)) std::swap(a, b);
  bool mask_out = in.op == V::Cmp || in.op == V::CmpIf;
  // Operands are read before the result is written, so the result may
  // take a register released here; their registers are looked up first.
  int va = (a >= 0 && !p_.is_mask(a) && in.op != V::Sqrt && in.op != V::Cvtt &&
            in.op != V::Cvt && in.op != V::Round)
               ? in_reg(a, kScratchA)
               : -1;
  int vb = in.op == V::Blend ? in_reg(in.b, kScratchA) : -1;
  int mask_a = in.op == V::Blend ? reg_[in.a] : (in.op == V::CmpIf ? reg_[in.c] : 0);
  for (int v : {in.a, in.b, in.c}) release(v, i);
  int d = take(mask_out ? masks_ : zmm_);
  if (d < 0) return false;
  reg_[i] = d;
  switch (in.op) {
    case V::Load:
      as_.mov_load(rax, rdi, 8 * in.imm);
      as_.vec(op::movups_load, d, 0, Mem{rax, rcx, 0, false});
      break;
    case V::Add: with_rm(op::addps, d, va, b); break;
    case V::Sub: with_rm(op::subps, d, va, b); break;
    case V::Mul: with_rm(op::mulps, d, va, b); break;
    case V::Div: with_rm(op::divps, d, va, b); break;
    case V::Min: with_rm(op::minps, d, va, b); break;
    case V::Max: with_rm(op::maxps, d, va, b); break;
    case V::And: with_rm(op::pandd, d, va, b); break;
    case V::AndNot: with_rm(op::pandnd, d, va, b); break;
    case V::Or: with_rm(op::pord, d, va, b); break;
    case V::Xor: with_rm(op::pxord, d, va, b); break;
    case V::IAdd: with_rm(op::paddd, d, va, b); break;
    case V::ISub: with_rm(op::psubd, d, va, b); break;
    case V::Shl:
    case V::Sar:
      // vpslld/vpsrad imm: the result is named by vvvv, /6 or /4 by reg.
      as_.vec(op::pshift_imm, in.op == V::Shl ? 6 : 4, d, va);
      as_.imm8(static_cast<uint8_t>(in.imm));
      break;
    case V::Sqrt: with_rm(op::sqrtps, d, 0, a); break;
    case V::Cvtt: with_rm(op::cvttps2dq, d, 0, a); break;
    case V::Cvt: with_rm(op::cvtdq2ps, d, 0, a); break;
    case V::Round:
      with_rm(op::roundscaleps, d, 0, a);
      as_.imm8(static_cast<uint8_t>(in.imm));
      break;
    case V::Cmp:
    case V::CmpIf:
      with_rm(op::cmpps, d, va, b, mask_a);
      as_.imm8(static_cast<uint8_t>(in.imm));
      break;
    case V::Blend:  // d = mask ? c : b
      with_rm(op::blendmps, d, vb, in.c, mask_a);
      break;
    default:
      return false;
  }
  return true;
}

// d = a * b + c (Fma) or c - a * b (Fnma). The FMA forms overwrite one
// operand, so the result takes the register of a dying multiplicand
// (213 form), else of a dying addend (231 form), else a copy of a.
bool Emitter::emit_fma(int i, const Inst& in) {
  int a = in.a, b = in.b, c = in.c;
  bool neg = in.op == V::Fnma;
  Op f213 = neg ? op::fnmadd213 : op::fmadd213;
  Op f231 = neg ? op::fnmadd231 : op::fmadd231;
  int d;
  if (dies(a, i) || dies(b, i)) {
    if (!dies(a, i)) std::swap(a, b);
    d = reg_[a];
    with_rm(f213, d, in_reg(b, kScratchA), c);  // d = b * d + c
  } else if (dies(c, i)) {
    if (in_memory(a) && !in_memory(b)) std::swap(a, b);
    d = reg_[c];
    with_rm(f231, d, in_reg(a, kScratchA), b);  // d = a * b + d
  } else {
    if ((d = take(zmm_)) < 0) return false;
    if (in_memory(a) && !in_memory(b)) std::swap(a, b);
    if (in_memory(a)) as_.vec(op::broadcastss, d, 0, const_mem(a, false));
    else as_.vec(op::movaps, d, 0, reg_[a]);
    with_rm(f213, d, in_reg(b, kScratchB), c);
  }
  for (int v : {a, b, c}) release(v, i, d);
  reg_[i] = d;
  return true;
}

// d = a | (b & c) by vpternlogd, which overwrites its first operand: the
// result takes a's register when a dies here, else a copy of a.
bool Emitter::emit_or_and(int i, const Inst& in) {
  int d;
  if (dies(in.a, i)) {
    d = reg_[in.a];
  } else {
    if ((d = take(zmm_)) < 0) return false;
    if (in_memory(in.a)) as_.vec(op::broadcastss, d, 0, const_mem(in.a, false));
    else as_.vec(op::movaps, d, 0, reg_[in.a]);
  }
  with_rm(op::pternlogd, d, in_reg(in.b, kScratchA), in.c);
  as_.imm8(0xF8);  // truth table of a | (b & c), a the high index bit
  for (int v : {in.a, in.b, in.c}) release(v, i, d);
  reg_[i] = d;
  return true;
}

}  // namespace

std::vector<uint8_t> emit_program(const Program& p, int n_inputs) {
  for (bool hoist : {true, false}) {
    Emitter e(p, n_inputs);
    if (e.run(hoist)) return e.code();
  }
  return {};
}

}  // namespace ember::cpu::jit
