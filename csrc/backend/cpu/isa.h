// The vector extensions of the CPU that runs (not the one that built), for
// kernels compiled in several variants with target attributes.
#pragma once

namespace ember::cpu {

enum class Isa { Base, Avx2, Avx512 };

// The widest of Avx512 (F, DQ, BW, VL), Avx2 (with FMA) and Base this CPU
// has, capped by EMBER_CPU_ISA=base|avx2 (to test the narrower paths on a
// wide machine). Detected once.
Isa cpu_isa();

// Maps every read-only data page of this library (backend/cpu/prefault.cpp);
// cpu_isa() calls it once, before any vector kernel runs.
void map_constant_pages();

}  // namespace ember::cpu

// Function attributes for the variants.
#define EMBER_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define EMBER_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,prefer-vector-width=512")))
