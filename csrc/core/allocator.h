// Host memory: buffers come from a size-bucketed cache of freed blocks so a
// steady-state loop reuses memory instead of calling malloc.
#pragma once
#include <cstddef>
#include <memory>

namespace ember {

class Buffer {
 public:
  Buffer(void* ptr, size_t size) : ptr_(ptr), size_(size) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void* ptr_;
  size_t size_;
};

// Raises MemoryError when the system cannot provide the memory.
std::shared_ptr<Buffer> allocate(size_t bytes);

size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
size_t set_cache_limit(size_t limit);
size_t set_wired_limit(size_t limit);
void clear_cache();

}  // namespace ember
