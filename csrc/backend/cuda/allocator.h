// Device memory: stream-ordered allocations from the device's memory pool,
// which keeps freed blocks cached for reuse (the pool's release threshold
// is the cache limit). A failed allocation frees the cache once and tries
// again before raising MemoryError.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <mutex>

namespace ember::cuda {

class Allocator {
 public:
  Allocator();
  // Memory usable by work queued on the current stream from now on.
  void* malloc(size_t bytes, size_t& size_out);
  // Returned once the work queued so far on `stream` is done with it.
  void free(void* p, size_t size, cudaStream_t stream);

  size_t active();
  size_t peak();
  void reset_peak();
  size_t cache();
  size_t set_memory_limit(size_t limit);
  size_t memory_limit();
  size_t set_cache_limit(size_t limit);
  void clear_cache();

  // The stream allocations are ordered on, for the kernels the calling
  // thread queues inside the scope.
  struct Scope {
    explicit Scope(cudaStream_t s);
    ~Scope();
    cudaStream_t saved;
  };
  static cudaStream_t current_stream();

 private:
  std::mutex mutex_;
  cudaMemPool_t pool_;
  size_t active_ = 0, peak_ = 0;
  size_t memory_limit_, cache_limit_;
};

Allocator& allocator();

}  // namespace ember::cuda
