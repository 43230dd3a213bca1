// The CPU backend: kernels run inline on the calling thread (each large one
// splits its work over the thread pool), so a queued op is a finished op.
#include "core/allocator.h"
#include "core/backend.h"
#include "core/primitive.h"
#include "ops/compiled.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace ember {

namespace cpu {
// Whether the compiled-region kernel runs `op` (backend/cpu/compiled_tiles.cpp).
bool fuses(const FusedOp& op, const std::vector<Dtype>& in_dtypes);
}  // namespace cpu

namespace {

class CpuBackend final : public Backend {
 public:
  int device_count() const override { return 1; }
  // The CPU's model name (from /proc/cpuinfo), architecture and memory.
  DeviceInfo device_info(int) const override {
    std::string name = "cpu";
    if (std::FILE* f = std::fopen("/proc/cpuinfo", "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, f)) {
        std::string l(line);
        if (l.rfind("model name", 0) == 0 && l.find(':') != std::string::npos) {
          name = l.substr(l.find(':') + 1);
          name.erase(0, name.find_first_not_of(" \t"));
          name.erase(name.find_last_not_of(" \t\n") + 1);
          break;
        }
      }
      std::fclose(f);
    }
    struct utsname u;
    std::string arch = uname(&u) == 0 ? std::string(u.machine) : "unknown";
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    size_t ram = pages > 0 && page > 0 ? size_t(pages) * size_t(page) : 0;
    return {{"architecture", arch}, {"device_name", name}, {"memory_size", ram}};
  }
  bool fuses(const FusedOp& op, const std::vector<Dtype>& in_dtypes) const override {
    return cpu::fuses(op, in_dtypes);
  }
  void eval(Primitive& p, const std::vector<array>& inputs,
            std::vector<array>& outputs, Stream) override {
    p.eval_cpu(inputs, outputs);
  }
  void* malloc(size_t bytes, size_t& size_out) override {
    return host::malloc(bytes, size_out);
  }
  void free(void* p, size_t size, int) override { host::free(p, size); }
  void to_host(void* dst, const void* src, size_t n, int) override {
    std::memcpy(dst, src, n);
  }
  void from_host(void* dst, const void* src, size_t n) override {
    std::memcpy(dst, src, n);
  }
  size_t active_memory() const override { return host::active_memory(); }
  size_t peak_memory() const override { return host::peak_memory(); }
  void reset_peak_memory() override { host::reset_peak_memory(); }
  size_t cache_memory() const override { return host::cache_memory(); }
  size_t set_memory_limit(size_t limit) override { return host::set_memory_limit(limit); }
  size_t memory_limit() const override { return host::memory_limit(); }
  size_t set_cache_limit(size_t limit) override { return host::set_cache_limit(limit); }
  void clear_cache() override { host::clear_cache(); }
};

}  // namespace

Backend& cpu_backend() {
  static CpuBackend* b = new CpuBackend();  // leaked: used during shutdown
  return *b;
}

}  // namespace ember
