// The CPU's vector extensions, detected once. Before that, this library's
// read-only data pages are mapped: vector code that GCC builds for a
// select against a constant may use a masked load of that constant; while
// every mask bit is zero the load never faults, so the page is never
// mapped, and on AMD Zen every such load from a not-present page takes a
// microcode assist (a softmax ran 10x slower, 70 ms instead of 7, until
// some other kernel happened to read the same page).
#include "backend/cpu/isa.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace ember::cpu {
namespace {

// Reads one byte per page of the constant segments, past the end of any one
// object in them: AddressSanitizer would report each read as an overflow.
__attribute__((no_sanitize("address")))
int touch_read_only_pages(struct dl_phdr_info* info, size_t, void* base) {
  if (reinterpret_cast<void*>(info->dlpi_addr) != base) return 0;
  long page = sysconf(_SC_PAGESIZE);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    // Constants live in loaded segments that are neither writable nor code.
    if (ph.p_type != PT_LOAD || (ph.p_flags & (PF_W | PF_X)) || page <= 0) continue;
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    uintptr_t end = start + ph.p_memsz;
    for (uintptr_t p = start & ~static_cast<uintptr_t>(page - 1); p < end; p += page) {
      if (p >= start) (void)*reinterpret_cast<volatile const char*>(p);
    }
    if (end > start) (void)*reinterpret_cast<volatile const char*>(start);
  }
  return 1;
}

void map_constant_pages() {
  Dl_info self;
  if (dladdr(reinterpret_cast<void*>(&touch_read_only_pages), &self) && self.dli_fbase) {
    dl_iterate_phdr(touch_read_only_pages, self.dli_fbase);
  }
}

Isa detect_isa() {
  map_constant_pages();
  __builtin_cpu_init();
  Isa best = Isa::Base;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::Avx2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    best = Isa::Avx512;
  }
  if (const char* cap = std::getenv("EMBER_CPU_ISA")) {
    std::string c(cap);
    if (c == "base") best = Isa::Base;
    else if (c == "avx2" && best == Isa::Avx512) best = Isa::Avx2;
  }
  return best;
}

}  // namespace

Isa cpu_isa() {
  static const Isa isa = detect_isa();
  return isa;
}

}  // namespace ember::cpu
