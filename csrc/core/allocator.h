// Memory of arrays. Host memory comes from a size-bucketed cache of freed
// blocks so a steady-state loop reuses memory instead of calling malloc;
// a GPU backend supplies its own device memory through core/backend.h.
#pragma once
#include <atomic>
#include <cstddef>
#include <memory>

#include "core/device.h"

namespace ember {

// One array's bytes. A buffer lives on its home device; the other side may
// hold a cached copy for reading (a GPU array printed or handed to numpy,
// a host array read by a GPU kernel). Only the home copy is ever written.
class Buffer {
 public:
  Buffer(void* ptr, size_t size, Device::Type home = Device::Type::cpu)
      : host_(home == Device::Type::cpu ? ptr : nullptr),
        device_(home == Device::Type::cpu ? nullptr : ptr),
        size_(size),
        home_(home) {}
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  // Host memory: for a device-home buffer, a copy made on first use (after
  // the work that produces it has finished).
  void* data() const {
    void* p = host_.load(std::memory_order_acquire);
    return p ? p : host_copy();
  }
  // Device memory: for a host-home buffer, a copy made on first use.
  void* device_data() const {
    void* p = device_.load(std::memory_order_acquire);
    return p ? p : device_copy();
  }
  size_t size() const { return size_; }
  Device::Type home() const { return home_; }
  // Before the home copy is written in place (donation): drops the copy on
  // the other side, which would go stale.
  void drop_copy();
  // The device stream whose queue holds this buffer's last use (-1: none):
  // host reads wait for that stream's work only, and device memory is
  // freed in that stream's order.
  int producer() const { return producer_; }
  void set_producer(int stream) { producer_ = stream; }

 private:
  void* host_copy() const;
  void* device_copy() const;
  mutable std::atomic<void*> host_;
  mutable std::atomic<void*> device_;
  size_t size_;
  Device::Type home_;
  int producer_ = -1;
};

// Host memory. Raises MemoryError when the system cannot provide it.
std::shared_ptr<Buffer> allocate(size_t bytes);
// Memory on `device` (host memory for the CPU).
std::shared_ptr<Buffer> allocate(size_t bytes, Device device);

// The memory API over every device: sizes add up, limits apply to each.
size_t get_active_memory();
size_t get_peak_memory();
void reset_peak_memory();
size_t get_cache_memory();
size_t set_memory_limit(size_t limit);
size_t get_memory_limit();
size_t set_cache_limit(size_t limit);
size_t set_wired_limit(size_t limit);
void clear_cache();

// The host allocator behind the CPU backend.
namespace host {
void* malloc(size_t bytes, size_t& size_out);
void free(void* p, size_t size);
size_t active_memory();
size_t peak_memory();
void reset_peak_memory();
size_t cache_memory();
size_t set_memory_limit(size_t limit);
size_t memory_limit();
size_t set_cache_limit(size_t limit);
void clear_cache();
}  // namespace host

}  // namespace ember
