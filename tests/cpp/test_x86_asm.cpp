// The assembler behind generated fused kernels: each form it emits against
// the bytes GNU objdump decodes as the intended instruction (checked once
// by hand; the comments give the decoding), and a generated function that
// runs.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "backend/cpu/isa.h"
#include "backend/cpu/x86_asm.h"

namespace ember::cpu::x86 {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes emit(void (*f)(Assembler&)) {
  Assembler a;
  f(a);
  return a.code();
}

TEST(X86Asm, RegisterForms) {
  // vaddps zmm1, zmm2, zmm3
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::addps, 1, 2, 3); }),
            (Bytes{0x62, 0xf1, 0x6c, 0x48, 0x58, 0xcb}));
  // vaddps zmm17, zmm30, zmm9: the high registers' extension bits
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::addps, 17, 30, 9); }),
            (Bytes{0x62, 0xc1, 0x0c, 0x40, 0x58, 0xc9}));
  // vmulps zmm0, zmm31, zmm16
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::mulps, 0, 31, 16); }),
            (Bytes{0x62, 0xb1, 0x04, 0x40, 0x59, 0xc0}));
  // vfnmadd231ps zmm2, zmm20, zmm21
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::fnmadd231, 2, 20, 21); }),
            (Bytes{0x62, 0xb2, 0x5d, 0x40, 0xbc, 0xd5}));
  // vcmpps k3, zmm4, zmm5, 0x0e (greater than)
  EXPECT_EQ(emit([](Assembler& a) {
              a.vec(op::cmpps, 3, 4, 5);
              a.imm8(0x0e);
            }),
            (Bytes{0x62, 0xf1, 0x5c, 0x48, 0xc2, 0xdd, 0x0e}));
  // vcmpps k2{k1}, zmm4, zmm5, 5: a write-masked compare
  EXPECT_EQ(emit([](Assembler& a) {
              a.vec(op::cmpps, 2, 4, 5, 1);
              a.imm8(0x05);
            }),
            (Bytes{0x62, 0xf1, 0x5c, 0x49, 0xc2, 0xd5, 0x05}));
  // vblendmps zmm7{k3}, zmm8, zmm9
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::blendmps, 7, 8, 9, 3); }),
            (Bytes{0x62, 0xd2, 0x3d, 0x4b, 0x65, 0xf9}));
  // vpslld zmm10, zmm11, 23 (the result is named by vvvv)
  EXPECT_EQ(emit([](Assembler& a) {
              a.vec(op::pshift_imm, 6, 10, 11);
              a.imm8(23);
            }),
            (Bytes{0x62, 0xd1, 0x2d, 0x48, 0x72, 0xf3, 0x17}));
  // vcvtdq2ps zmm1, zmm18; vrndscaleps zmm1, zmm2, 9; vmovaps zmm1, zmm29
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::cvtdq2ps, 1, 0, 18); }),
            (Bytes{0x62, 0xb1, 0x7c, 0x48, 0x5b, 0xca}));
  EXPECT_EQ(emit([](Assembler& a) {
              a.vec(op::roundscaleps, 1, 0, 2);
              a.imm8(9);
            }),
            (Bytes{0x62, 0xf3, 0x7d, 0x48, 0x08, 0xca, 0x09}));
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::movaps, 1, 0, 29); }),
            (Bytes{0x62, 0x91, 0x7c, 0x48, 0x28, 0xcd}));
}

TEST(X86Asm, MemoryForms) {
  // vfmadd213ps zmm5, zmm6, [rsi+8]{1to16}: disp8 scaled by 4
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::fmadd213, 5, 6, Mem{rsi, -1, 8, true}); }),
            (Bytes{0x62, 0xf2, 0x4d, 0x58, 0xa8, 0x6e, 0x02}));
  // vfmadd231ps zmm25, zmm6, [rsi+1024]{1to16}: too far for disp8
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::fmadd231, 25, 6, Mem{rsi, -1, 1024, true}); }),
            (Bytes{0x62, 0x62, 0x4d, 0x58, 0xb8, 0x8e, 0x00, 0x04, 0x00, 0x00}));
  // vmovups zmm3, [rax+rcx]; vmovups [rax+rcx], zmm19
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::movups_load, 3, 0, Mem{rax, rcx, 0, false}); }),
            (Bytes{0x62, 0xf1, 0x7c, 0x48, 0x10, 0x1c, 0x08}));
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::movups_store, 19, 0, Mem{rax, rcx, 0, false}); }),
            (Bytes{0x62, 0xe1, 0x7c, 0x48, 0x11, 0x1c, 0x08}));
  // vmovups zmm3, [rsi+128]: disp8 scaled by 64
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::movups_load, 3, 0, Mem{rsi, -1, 128, false}); }),
            (Bytes{0x62, 0xf1, 0x7c, 0x48, 0x10, 0x5e, 0x02}));
  // vbroadcastss zmm22, [rsi+12]: one element, so disp8 scaled by 4
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::broadcastss, 22, 0, Mem{rsi, -1, 12, false}); }),
            (Bytes{0x62, 0xe2, 0x7d, 0x48, 0x18, 0x76, 0x03}));
  // vbroadcastss zmm1, [rsi+64] must not take the whole-register scale
  EXPECT_EQ(emit([](Assembler& a) { a.vec(op::broadcastss, 1, 0, Mem{rsi, -1, 64, false}); }),
            (Bytes{0x62, 0xf2, 0x7d, 0x48, 0x18, 0x4e, 0x10}));
}

TEST(X86Asm, IntegerForms) {
  EXPECT_EQ(emit([](Assembler& a) { a.mov_load(rax, rdi, 8); }),
            (Bytes{0x48, 0x8b, 0x47, 0x08}));
  EXPECT_EQ(emit([](Assembler& a) { a.mov_load(rax, rdi, 800); }),
            (Bytes{0x48, 0x8b, 0x87, 0x20, 0x03, 0x00, 0x00}));
  EXPECT_EQ(emit([](Assembler& a) {
              a.zero32(rcx);
              a.add_imm(rcx, 64);
              a.add_imm(rcx, 4096);
              a.cmp(rcx, rdx);
            }),
            (Bytes{0x31, 0xc9, 0x48, 0x83, 0xc1, 0x40, 0x48, 0x81, 0xc1, 0x00, 0x10, 0x00, 0x00,
                   0x48, 0x39, 0xd1}));
  // jb back to offset 0: short form, then the long one past 128 bytes.
  EXPECT_EQ(emit([](Assembler& a) { a.jb_back(0); }), (Bytes{0x72, 0xfe}));
  Assembler far;
  for (int i = 0; i < 200; ++i) far.imm8(0x90);
  far.jb_back(0);
  Bytes tail(far.code().end() - 6, far.code().end());
  EXPECT_EQ(tail, (Bytes{0x0f, 0x82, 0x32, 0xff, 0xff, 0xff}));  // -206
}

// A loop doubling 16 floats at a time, in the calling convention of the
// generated kernels: rdi pointers (in, out), rsi constants, rdx bytes.
TEST(X86Asm, GeneratedLoopRuns) {
  if (cpu_isa() != Isa::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
  Assembler a;
  a.vec(op::broadcastss, 1, 0, Mem{rsi, -1, 0, false});
  a.zero32(rcx);
  size_t top = a.size();
  a.mov_load(rax, rdi, 0);
  a.vec(op::movups_load, 0, 0, Mem{rax, rcx, 0, false});
  a.vec(op::mulps, 0, 0, 1);
  a.mov_load(rax, rdi, 8);
  a.vec(op::movups_store, 0, 0, Mem{rax, rcx, 0, false});
  a.add_imm(rcx, 64);
  a.cmp(rcx, rdx);
  a.jb_back(top);
  a.vzeroupper();
  a.ret();
  ExecutableCode code(a.code());
  ASSERT_TRUE(code.ok());
  std::vector<float> in(48), out(48, -1.0f);
  for (int i = 0; i < 48; ++i) in[i] = static_cast<float>(i);
  const void* ptrs[2] = {in.data(), out.data()};
  float scale = 2.0f;
  auto fn = reinterpret_cast<void (*)(const void* const*, const float*, int64_t)>(
      const_cast<void*>(code.entry()));
  fn(ptrs, &scale, 32 * sizeof(float));  // two iterations; the rest untouched
  for (int i = 0; i < 48; ++i) EXPECT_EQ(out[i], i < 32 ? 2.0f * i : -1.0f);
}

}  // namespace
}  // namespace ember::cpu::x86
