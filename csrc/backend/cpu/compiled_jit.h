// Machine code for a fused float32 subgraph (a Compiled primitive) on CPUs
// with AVX-512: the whole expression runs 16 lanes at a time with every
// intermediate in a register, so each element costs its arithmetic only.
// Subgraphs it cannot take (other dtypes, ops without a lowering, too many
// live values) and other CPUs use the tile interpreter (compiled.cpp).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/x86_asm.h"
#include "ops/compiled.h"

namespace ember::cpu {

// The generated function: ptrs holds the inputs' then the outputs' element
// pointers, consts the constant area, nbytes the bytes per stream to
// process (a positive multiple of 64).
using JitFn = void (*)(const void* const* ptrs, const float* consts, int64_t nbytes);

struct JitKernel {
  std::unique_ptr<x86::ExecutableCode> code;
  JitFn fn = nullptr;
  // The constant area with the values known at build time; inputs with a
  // single element are copied into their slots at each call.
  std::vector<float> consts;
  std::vector<std::pair<int, int>> params;  // (input, slot)
  // Where each input is loaded and each output stored, in program order
  // (-1: never). Each happens once per 16 lanes, so an output may take an
  // input's memory in place when that input is loaded before it is stored.
  std::vector<int> load_at, store_at;
  bool reads_before_writes(int input, int output) const {
    return load_at[input] < store_at[output];
  }
};

// Whether generated kernels may run here: AVX-512 present, not capped by
// EMBER_CPU_ISA, and EMBER_JIT not set to 0.
bool jit_enabled();

// The kernel of `c`, whose inputs the caller has checked are all float32
// (ops of other dtypes are refused here); single[i] marks inputs with one
// element and values[i] points at that element. nullptr when the subgraph
// has no lowering.
std::shared_ptr<JitKernel> jit_build(const Compiled& c, const std::vector<char>& single,
                                     const std::vector<const char*>& values);

// Part of the cache key of a kernel beyond the subgraph: which inputs are
// single, and the exponents the lowering specializes on.
std::string jit_key(const Compiled& c, const std::vector<char>& single,
                    const std::vector<const char*>& values);

}  // namespace ember::cpu
