#include "core/backend.h"

#include <string>

#include "core/allocator.h"
#include "core/errors.h"

namespace ember {

Backend& backend(Device::Type type, const char* op) {
  if (type == Device::Type::cpu) return cpu_backend();
  if (Backend* gpu = gpu_backend()) return *gpu;
  throw ValueError(std::string("[") + op + "] Device(gpu, 0) is not available.");
}

namespace {
// Every backend present, the CPU first.
template <typename F>
void each_backend(F f) {
  f(cpu_backend());
  if (Backend* gpu = gpu_backend()) f(*gpu);
}
size_t wired_limit = 0;
}  // namespace

size_t get_active_memory() {
  size_t n = 0;
  each_backend([&](Backend& b) { n += b.active_memory(); });
  return n;
}
size_t get_peak_memory() {
  size_t n = 0;
  each_backend([&](Backend& b) { n += b.peak_memory(); });
  return n;
}
void reset_peak_memory() {
  each_backend([](Backend& b) { b.reset_peak_memory(); });
}
size_t get_cache_memory() {
  size_t n = 0;
  each_backend([&](Backend& b) { n += b.cache_memory(); });
  return n;
}
// Limits apply to each device; the previous value reported is the CPU's.
size_t set_memory_limit(size_t limit) {
  if (Backend* gpu = gpu_backend()) gpu->set_memory_limit(limit);
  return cpu_backend().set_memory_limit(limit);
}
size_t get_memory_limit() { return cpu_backend().memory_limit(); }
size_t set_cache_limit(size_t limit) {
  if (Backend* gpu = gpu_backend()) gpu->set_cache_limit(limit);
  return cpu_backend().set_cache_limit(limit);
}
size_t set_wired_limit(size_t limit) { return std::exchange(wired_limit, limit); }
void clear_cache() {
  each_backend([](Backend& b) { b.clear_cache(); });
}

}  // namespace ember
