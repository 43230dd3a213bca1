// The vector extensions of the CPU that runs (not the one that built), for
// kernels compiled in several variants with target attributes.
#pragma once

namespace ember::cpu {

enum class Isa { Base, Avx2, Avx512 };

// The widest of Avx512 (F, DQ, BW, VL), Avx2 (with FMA) and Base this CPU
// has, capped by EMBER_CPU_ISA=base|avx2 (to test the narrower paths on a
// wide machine). Detected once, in backend/cpu/isa.cpp, which also maps
// this library's constant pages before any vector kernel runs.
Isa cpu_isa();


}  // namespace ember::cpu

// Function attributes for the variants.
#define EMBER_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define EMBER_TARGET_AVX512 \
  __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,prefer-vector-width=512")))

namespace ember::cpu {

// A kernel K (a struct with an always-inline static run(Args...)) built
// for each target; isa_variant picks the widest the CPU has. Only the
// element types that pay for it should be built this way (build time).
template <class K, class... Args>
void isa_base(Args... args) {
  K::run(args...);
}
template <class K, class... Args>
EMBER_TARGET_AVX2 void isa_avx2(Args... args) {
  K::run(args...);
}
template <class K, class... Args>
EMBER_TARGET_AVX512 void isa_avx512(Args... args) {
  K::run(args...);
}

template <class K, class... Args>
auto isa_variant() -> void (*)(Args...) {
  switch (cpu_isa()) {
    case Isa::Avx512: return &isa_avx512<K, Args...>;
    case Isa::Avx2: return &isa_avx2<K, Args...>;
    default: return &isa_base<K, Args...>;
  }
}

}  // namespace ember::cpu
