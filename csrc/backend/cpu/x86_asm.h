// A small x86-64 assembler: the AVX-512 (EVEX) vector instructions and the
// few integer instructions the fused-kernel compiler (compiled_jit.cpp)
// emits, and executable memory to run the result. It encodes only what it
// is asked for; it knows nothing about fusion.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ember::cpu::x86 {

// General registers; only the first eight are used, so no REX.R/B bits.
enum Gpr : uint8_t { rax = 0, rcx = 1, rdx = 2, rbx = 3, rsp = 4, rbp = 5, rsi = 6, rdi = 7 };

// [base + index + disp]; index < 0 for none. With bcst the operand is one
// 32-bit element broadcast to all lanes ({1to16}).
struct Mem {
  Gpr base;
  int index = -1;
  int32_t disp = 0;
  bool bcst = false;
};

// An EVEX opcode: its map (0F, 0F38, 0F3A), implied prefix and byte.
struct Op {
  uint8_t map;  // 1: 0F, 2: 0F38, 3: 0F3A
  uint8_t pp;   // 0: none, 1: 66, 2: F3, 3: F2
  uint8_t code;
};

// The opcodes used (all 512-bit, W0, packed single or dword).
namespace op {
inline constexpr Op movups_load{1, 0, 0x10}, movups_store{1, 0, 0x11}, movaps{1, 0, 0x28};
inline constexpr Op sqrtps{1, 0, 0x51}, addps{1, 0, 0x58}, mulps{1, 0, 0x59}, subps{1, 0, 0x5C};
inline constexpr Op minps{1, 0, 0x5D}, divps{1, 0, 0x5E}, maxps{1, 0, 0x5F};
inline constexpr Op cvtdq2ps{1, 0, 0x5B}, cvttps2dq{1, 2, 0x5B}, cmpps{1, 0, 0xC2};
inline constexpr Op pandd{1, 1, 0xDB}, pandnd{1, 1, 0xDF}, pord{1, 1, 0xEB}, pxord{1, 1, 0xEF};
inline constexpr Op paddd{1, 1, 0xFE}, psubd{1, 1, 0xFA}, pshift_imm{1, 1, 0x72};
inline constexpr Op fmadd213{2, 1, 0xA8}, fmadd231{2, 1, 0xB8};
inline constexpr Op fnmadd213{2, 1, 0xAC}, fnmadd231{2, 1, 0xBC};
inline constexpr Op blendmps{2, 1, 0x65}, broadcastss{2, 1, 0x18}, roundscaleps{3, 1, 0x08};
inline constexpr Op pternlogd{3, 1, 0x25};
}  // namespace op

class Assembler {
 public:
  // reg = op(vvvv, rm) on zmm registers 0..31 (vvvv 0 when the form has no
  // such operand). mask: write mask k1..k7 (0 for none); zero: zeroing.
  void vec(Op o, int reg, int vvvv, int rm, int mask = 0);
  void vec(Op o, int reg, int vvvv, const Mem& m, int mask = 0);
  void imm8(uint8_t v) { code_.push_back(v); }

  void mov_load(Gpr dst, Gpr base, int32_t disp);  // mov dst, [base + disp]
  void zero32(Gpr r);                              // xor r32, r32
  void add_imm(Gpr r, int32_t v);                  // add r64, imm
  void cmp(Gpr a, Gpr b);                          // cmp a, b (64-bit)
  void jb_back(size_t target);                     // jb to an earlier offset
  void vzeroupper();
  void ret();

  size_t size() const { return code_.size(); }
  const std::vector<uint8_t>& code() const { return code_; }

 private:
  void prefix(Op o, int reg, int vvvv, int x, int b, bool bcst, int mask);
  void byte(uint8_t v) { code_.push_back(v); }
  void u32(uint32_t v);
  std::vector<uint8_t> code_;
};

// Machine code copied into memory that is executable and not writable.
class ExecutableCode {
 public:
  // Fails (ok() false) where the system refuses executable memory.
  explicit ExecutableCode(const std::vector<uint8_t>& code);
  ~ExecutableCode();
  ExecutableCode(const ExecutableCode&) = delete;
  ExecutableCode& operator=(const ExecutableCode&) = delete;
  bool ok() const { return entry_ != nullptr; }
  const void* entry() const { return entry_; }

 private:
  void* entry_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace ember::cpu::x86
