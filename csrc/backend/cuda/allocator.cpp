#include "backend/cuda/allocator.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "backend/cuda/cuda.h"
#include "core/errors.h"

namespace ember::cuda {

namespace {
thread_local cudaStream_t current = nullptr;
constexpr size_t kAlign = 256;
}  // namespace

Allocator::Scope::Scope(cudaStream_t s) : saved(current) { current = s; }
Allocator::Scope::~Scope() { current = saved; }
cudaStream_t Allocator::current_stream() { return current; }

Allocator::Allocator() {
  check(cudaDeviceGetDefaultMemPool(&pool_, 0), "malloc");
  size_t free_mem = 0, total = 0;
  check(cudaMemGetInfo(&free_mem, &total), "malloc");
  memory_limit_ = total;
  cache_limit_ = total;
  // Keep freed blocks in the pool instead of returning them at each sync.
  uint64_t keep = UINT64_MAX;
  check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep), "malloc");
}

void* Allocator::malloc(size_t bytes, size_t& size_out) {
  size_t size = (std::max<size_t>(bytes, 1) + kAlign - 1) / kAlign * kAlign;
  void* p = nullptr;
  cudaError_t err = cudaMallocAsync(&p, size, current);
  if (err == cudaErrorMemoryAllocation) {
    // Free the cache once: wait for pending frees, then release the pool.
    cudaGetLastError();
    check(cudaDeviceSynchronize(), "malloc");
    check(cudaMemPoolTrimTo(pool_, 0), "malloc");
    err = cudaMallocAsync(&p, size, current);
  }
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    throw MemoryError("[malloc] Unable to allocate " + std::to_string(bytes) +
                      " bytes of GPU memory.");
  }
  check(err, "malloc");
  std::lock_guard lock(mutex_);
  active_ += size;
  peak_ = std::max(peak_, active_);
  size_out = size;
  return p;
}

void Allocator::free(void* p, size_t size, cudaStream_t stream) {
  // At interpreter exit the driver may be gone already: nothing to return.
  if (cudaFreeAsync(p, stream) != cudaSuccess) cudaGetLastError();
  std::lock_guard lock(mutex_);
  active_ -= std::min(active_, size);
}

size_t Allocator::active() {
  std::lock_guard lock(mutex_);
  return active_;
}
size_t Allocator::peak() {
  std::lock_guard lock(mutex_);
  return peak_;
}
void Allocator::reset_peak() {
  std::lock_guard lock(mutex_);
  peak_ = active_;
}
size_t Allocator::cache() {
  uint64_t reserved = 0, used = 0;
  check(cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrReservedMemCurrent, &reserved), "cache");
  check(cudaMemPoolGetAttribute(pool_, cudaMemPoolAttrUsedMemCurrent, &used), "cache");
  return reserved > used ? size_t(reserved - used) : 0;
}
size_t Allocator::set_memory_limit(size_t limit) {
  std::lock_guard lock(mutex_);
  return std::exchange(memory_limit_, limit);
}
size_t Allocator::memory_limit() {
  std::lock_guard lock(mutex_);
  return memory_limit_;
}
size_t Allocator::set_cache_limit(size_t limit) {
  size_t old;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(cache_limit_, limit);
  }
  uint64_t keep = limit;
  check(cudaMemPoolSetAttribute(pool_, cudaMemPoolAttrReleaseThreshold, &keep), "set_cache_limit");
  return old;
}
void Allocator::clear_cache() {
  check(cudaDeviceSynchronize(), "clear_cache");
  check(cudaMemPoolTrimTo(pool_, 0), "clear_cache");
}

Allocator& allocator() {
  static auto* a = new Allocator();  // leaked: buffers outlive static destructors
  return *a;
}

}  // namespace ember::cuda
