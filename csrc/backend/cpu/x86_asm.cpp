// Encodings follow the Intel SDM, volume 2, section 2.7 (EVEX) and the
// instruction pages; tests/cpp/test_x86_asm.cpp checks them byte by byte.
#include "backend/cpu/x86_asm.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

namespace ember::cpu::x86 {

// EVEX: 62, then P0 = R X B R' 0 0 m m, P1 = W vvvv 1 pp,
// P2 = z L'L b V' aaa, with R, X, B, R', vvvv and V' stored inverted.
// x and b are the register-number bits that extend the r/m operand.
void Assembler::prefix(Op o, int reg, int vvvv, int x, int b, bool bcst, int mask) {
  byte(0x62);
  uint8_t p0 = o.map;
  if (!((reg >> 3) & 1)) p0 |= 0x80;
  if (!x) p0 |= 0x40;
  if (!b) p0 |= 0x20;
  if (!((reg >> 4) & 1)) p0 |= 0x10;
  byte(p0);
  byte(static_cast<uint8_t>(((~vvvv & 15) << 3) | 0x04 | o.pp));
  uint8_t p2 = 0x40 | (mask & 7);  // L'L = 10: 512-bit
  if (bcst) p2 |= 0x10;
  if (!((vvvv >> 4) & 1)) p2 |= 0x08;
  byte(p2);
}

void Assembler::vec(Op o, int reg, int vvvv, int rm, int mask) {
  // For a register r/m operand, X extends it to registers 16..31.
  prefix(o, reg, vvvv, (rm >> 4) & 1, (rm >> 3) & 1, false, mask);
  byte(o.code);
  byte(static_cast<uint8_t>(0xC0 | ((reg & 7) << 3) | (rm & 7)));
}

void Assembler::vec(Op o, int reg, int vvvv, const Mem& m, int mask) {
  prefix(o, reg, vvvv, 0, 0, m.bcst, mask);
  byte(o.code);
  // disp8 is scaled by the operand size (disp8*N): 4 for one element
  // (broadcast operands, vbroadcastss), 64 for a whole register.
  bool element = m.bcst || (o.map == op::broadcastss.map && o.code == op::broadcastss.code);
  int n = element ? 4 : 64;
  int mod = 2;
  if (m.disp == 0 && m.base != rbp) mod = 0;
  else if (m.disp % n == 0 && m.disp / n >= -128 && m.disp / n <= 127) mod = 1;
  bool sib = m.index >= 0 || m.base == rsp;
  byte(static_cast<uint8_t>((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : m.base)));
  if (sib) byte(static_cast<uint8_t>(((m.index >= 0 ? m.index : 4) << 3) | m.base));
  if (mod == 1) byte(static_cast<uint8_t>(static_cast<int8_t>(m.disp / n)));
  if (mod == 2) u32(static_cast<uint32_t>(m.disp));
}

void Assembler::u32(uint32_t v) {
  for (int i = 0; i < 4; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
}

void Assembler::mov_load(Gpr dst, Gpr base, int32_t disp) {
  byte(0x48);  // REX.W
  byte(0x8B);
  bool small = disp >= -128 && disp <= 127;
  byte(static_cast<uint8_t>(((small ? 1 : 2) << 6) | (dst << 3) | base));
  if (base == rsp) byte(0x24);
  if (small) byte(static_cast<uint8_t>(static_cast<int8_t>(disp)));
  else u32(static_cast<uint32_t>(disp));
}

void Assembler::zero32(Gpr r) {
  byte(0x31);
  byte(static_cast<uint8_t>(0xC0 | (r << 3) | r));
}

void Assembler::add_imm(Gpr r, int32_t v) {
  byte(0x48);
  if (v >= -128 && v <= 127) {
    byte(0x83);
    byte(static_cast<uint8_t>(0xC0 | r));
    byte(static_cast<uint8_t>(static_cast<int8_t>(v)));
  } else {
    byte(0x81);
    byte(static_cast<uint8_t>(0xC0 | r));
    u32(static_cast<uint32_t>(v));
  }
}

void Assembler::cmp(Gpr a, Gpr b) {
  byte(0x48);
  byte(0x39);  // cmp r/m64 (a), r64 (b)
  byte(static_cast<uint8_t>(0xC0 | (b << 3) | a));
}

void Assembler::jb_back(size_t target) {
  int64_t rel8 = static_cast<int64_t>(target) - static_cast<int64_t>(size() + 2);
  if (rel8 >= -128) {
    byte(0x72);
    byte(static_cast<uint8_t>(static_cast<int8_t>(rel8)));
    return;
  }
  int64_t rel32 = static_cast<int64_t>(target) - static_cast<int64_t>(size() + 6);
  byte(0x0F);
  byte(0x82);
  u32(static_cast<uint32_t>(static_cast<int32_t>(rel32)));
}

void Assembler::vzeroupper() {
  byte(0xC5);
  byte(0xF8);
  byte(0x77);
}

void Assembler::ret() { byte(0xC3); }

ExecutableCode::ExecutableCode(const std::vector<uint8_t>& code) {
  long page = sysconf(_SC_PAGESIZE);
  size_t bytes = (code.size() + page - 1) / page * page;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  std::memcpy(p, code.data(), code.size());
  // Written first, then made executable and read-only (never both).
  if (mprotect(p, bytes, PROT_READ | PROT_EXEC) != 0) {
    munmap(p, bytes);
    return;
  }
  entry_ = p;
  bytes_ = bytes;
}

ExecutableCode::~ExecutableCode() {
  if (entry_) munmap(entry_, bytes_);
}

}  // namespace ember::cpu::x86
