#include "core/allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/errors.h"
#include "core/node_pool.h"

namespace ember {

namespace {

constexpr size_t kAlign = 64;
constexpr size_t kPage = 4096;
// Blocks from 4 MiB up are whole 2 MiB huge pages where the kernel allows
// them (as numpy does): a sweep over a large array then takes a TLB miss
// per 2 MiB instead of per 4 KiB.
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeFrom = size_t(4) << 20;

size_t total_ram() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * page
                               : size_t(1) << 34;
}

// Small blocks round to a power of two, large ones to whole pages, so a freed
// block fits later requests of nearly the same size.
size_t bucket_size(size_t n) {
  if (n <= kAlign) return kAlign;
  if (n < kPage) {
    size_t b = kAlign;
    while (b < n) b <<= 1;
    return b;
  }
  size_t page = n >= kHugeFrom ? kHugePage : kPage;
  return (n + page - 1) / page * page;
}

void* system_alloc(size_t size) {
  if (size < kHugeFrom) return std::aligned_alloc(kAlign, size);
  void* p = std::aligned_alloc(kHugePage, size);
#ifdef MADV_HUGEPAGE
  if (p) madvise(p, size, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
  return p;
}

class HostAllocator {
 public:
  HostAllocator() : memory_limit_(total_ram() * 3 / 2), cache_limit_(memory_limit_) {}

  void* malloc(size_t request, size_t& size_out) {
    size_t size = bucket_size(request);
    {
      std::lock_guard lock(mutex_);
      if (void* p = take_cached(size, size_out)) {
        cache_ -= size_out;
        note_active(size_out);
        return p;
      }
      if (active_ + cache_ + size > memory_limit_) trim_cache(0);
    }
    void* p = system_alloc(size);
    if (!p) {
      clear_cache();
      p = system_alloc(size);
    }
    if (!p) {
      throw MemoryError("[malloc] Unable to allocate " + std::to_string(request) +
                        " bytes.");
    }
    std::lock_guard lock(mutex_);
    size_out = size;
    note_active(size);
    return p;
  }

  void free(void* p, size_t size) {
    std::lock_guard lock(mutex_);
    active_ -= size;
    if (cache_limit_ == 0) {
      std::free(p);
      return;
    }
    if (size < kPage) {
      small_[small_class(size)].push_back(p);
    } else {
      free_.emplace(size, p);
    }
    cache_ += size;
    if (cache_ > cache_limit_) trim_cache(cache_limit_);
  }

  void clear_cache() {
    std::lock_guard lock(mutex_);
    trim_cache(0);
  }

  size_t active() {
    std::lock_guard lock(mutex_);
    return active_;
  }
  size_t peak() {
    std::lock_guard lock(mutex_);
    return peak_;
  }
  void reset_peak() {
    std::lock_guard lock(mutex_);
    peak_ = 0;
  }
  size_t cache() {
    std::lock_guard lock(mutex_);
    return cache_;
  }
  size_t set_memory_limit(size_t l) {
    std::lock_guard lock(mutex_);
    return std::exchange(memory_limit_, l);
  }
  size_t memory_limit() {
    std::lock_guard lock(mutex_);
    return memory_limit_;
  }
  size_t set_cache_limit(size_t l) {
    std::lock_guard lock(mutex_);
    size_t old = std::exchange(cache_limit_, l);
    trim_cache(cache_limit_);
    return old;
  }

 private:
  // A cached block for a request of `size` (a bucket size), or null: the
  // block of that size class below a page, else the smallest cached block
  // that wastes at most half of itself.
  void* take_cached(size_t size, size_t& size_out) {
    void* p = nullptr;
    if (size < kPage) {
      auto& stack = small_[small_class(size)];
      if (!stack.empty()) {
        p = stack.back();
        stack.pop_back();
        size_out = size;
      }
      return p;
    }
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first <= size + size / 2 + kAlign) {
      p = it->second;
      size_out = it->first;
      free_.erase(it);
    }
    return p;
  }
  void note_active(size_t n) {
    active_ += n;
    peak_ = std::max(peak_, active_);
  }
  // Frees cached blocks, largest first, until the cache is at most `target`.
  void trim_cache(size_t target) {
    while (cache_ > target && !free_.empty()) {
      auto it = std::prev(free_.end());
      std::free(it->second);
      cache_ -= it->first;
      free_.erase(it);
    }
    for (int c = kSmallClasses - 1; c >= 0 && cache_ > target; --c) {
      while (cache_ > target && !small_[c].empty()) {
        std::free(small_[c].back());
        small_[c].pop_back();
        cache_ -= kAlign << c;
      }
    }
  }
  // Blocks below a page are powers of two from kAlign: one stack of cached
  // blocks per size, so the many small arrays of a graph of tiny ops are
  // reused without a tree node allocated and searched per block.
  static constexpr int kSmallClasses = 6;  // 64 B .. 2 KiB
  static_assert((kAlign << kSmallClasses) == kPage);
  static int small_class(size_t size) { return __builtin_ctzll(size / kAlign); }

  std::mutex mutex_;
  std::multimap<size_t, void*> free_;  // page multiples
  std::vector<void*> small_[kSmallClasses];
  size_t active_ = 0, peak_ = 0, cache_ = 0;
  size_t memory_limit_, cache_limit_;
};

HostAllocator& the_host() {
  // Leaked on purpose: buffers may be released during interpreter shutdown.
  static auto* a = new HostAllocator();
  return *a;
}


}  // namespace

namespace host {
void* malloc(size_t bytes, size_t& size_out) {
  return the_host().malloc(std::max<size_t>(bytes, 1), size_out);
}
void free(void* p, size_t size) { the_host().free(p, size); }
size_t active_memory() { return the_host().active(); }
size_t peak_memory() { return the_host().peak(); }
void reset_peak_memory() { the_host().reset_peak(); }
size_t cache_memory() { return the_host().cache(); }
size_t set_memory_limit(size_t limit) { return the_host().set_memory_limit(limit); }
size_t memory_limit() { return the_host().memory_limit(); }
size_t set_cache_limit(size_t limit) { return the_host().set_cache_limit(limit); }
void clear_cache() { the_host().clear_cache(); }
}  // namespace host

std::shared_ptr<Buffer> allocate(size_t bytes) {
  size_t size = 0;
  void* p = host::malloc(bytes, size);
  return make_pooled<Buffer>(p, size);
}

std::shared_ptr<Buffer> allocate(size_t bytes, Device device) {
  if (device.type == Device::Type::cpu) return allocate(bytes);
  size_t size = 0;
  void* p = backend(device.type, "malloc").malloc(std::max<size_t>(bytes, 1), size);
  return make_pooled<Buffer>(p, size, device.type);
}

Buffer::~Buffer() {
  void* h = host_.load(std::memory_order_relaxed);
  void* d = device_.load(std::memory_order_relaxed);
  if (h) host::free(h, size_);
  if (d) gpu_backend()->free(d, size_, producer_);
}

namespace {
// Copies to the other side are rare (printing, numpy, first GPU use of host
// data): one lock serves them all.
std::mutex copy_mutex;
}  // namespace

void* Buffer::host_copy() const {
  std::lock_guard lock(copy_mutex);
  if (void* p = host_.load(std::memory_order_relaxed)) return p;
  size_t size = 0;
  void* h = host::malloc(size_, size);
  gpu_backend()->to_host(h, device_.load(std::memory_order_relaxed), size_, producer_);
  host_.store(h, std::memory_order_release);
  return h;
}

void* Buffer::device_copy() const {
  std::lock_guard lock(copy_mutex);
  if (void* p = device_.load(std::memory_order_relaxed)) return p;
  Backend* gpu = gpu_backend();
  if (!gpu) throw std::runtime_error("[device_data] No GPU is available.");
  size_t size = 0;
  void* d = gpu->malloc(size_, size);
  gpu->from_host(d, host_.load(std::memory_order_relaxed), size_);
  device_.store(d, std::memory_order_release);
  return d;
}

void Buffer::drop_copy() {
  std::atomic<void*>& other = home_ == Device::Type::cpu ? device_ : host_;
  void* p = other.exchange(nullptr);
  if (!p) return;
  if (home_ == Device::Type::cpu) {
    gpu_backend()->free(p, size_, producer_);
  } else {
    host::free(p, size_);
  }
}

}  // namespace ember
