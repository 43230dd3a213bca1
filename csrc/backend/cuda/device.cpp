// The CUDA backend: one CUDA stream per Ember stream, kernels found in a
// table keyed by primitive class, device memory from the pool allocator
// (backend/cuda/allocator.cpp). Present only when a GPU is visible.
#include <cuda_runtime.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <typeindex>
#include <unordered_map>

#include "backend/cuda/allocator.h"
#include "backend/cuda/cuda.h"
#include "core/backend.h"
#include "core/errors.h"
#include "fast/fast.h"
#include "ops/compiled.h"

namespace ember::cuda {

void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  std::string msg = std::string("[") + what + "] CUDA error: " + cudaGetErrorString(err);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky: clear it
    throw MemoryError(msg);
  }
  throw std::runtime_error(msg);
}

namespace {

std::unordered_map<std::type_index, Kernel>& kernel_table() {
  static auto* t = new std::unordered_map<std::type_index, Kernel>();
  return *t;
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int count) : count_(count) {
    check(cudaSetDevice(0), "cuda");
    register_copy_kernels();
    register_shape_kernels();
    register_unary_kernels();
    register_binary_kernels();
    register_reduce_kernels();
    register_matmul_kernels();
    register_fast_kernels();
    register_random_kernels();
  }

  int device_count() const override { return count_; }

  DeviceInfo device_info(int index) const override {
    cudaDeviceProp p;
    check(cudaGetDeviceProperties(&p, index), "device_info");
    return {{"architecture", "sm_" + std::to_string(p.major * 10 + p.minor)},
            {"device_name", std::string(p.name)},
            {"memory_size", size_t(p.totalGlobalMem)},
            {"compute_capability", std::to_string(p.major) + "." + std::to_string(p.minor)},
            {"multi_processor_count", size_t(p.multiProcessorCount)},
            {"l2_cache_size", size_t(p.l2CacheSize)}};
  }

  void eval(Primitive& p, const std::vector<array>& inputs,
            std::vector<array>& outputs, Stream s) override {
    auto it = kernel_table().find(std::type_index(typeid(p)));
    if (it == kernel_table().end()) {
      // Fused and compiled primitives run as the ordinary ops they stand for.
      if (auto* fused = dynamic_cast<fast::Fused*>(&p)) {
        return eval_composition(fused->fallback()(inputs), outputs);
      }
      if (auto* compiled = dynamic_cast<Compiled*>(&p)) {
        return eval_composition(compiled->expand(inputs), outputs);
      }
      throw std::runtime_error(std::string("[") + p.name() +
                               "] has no GPU kernel yet.");
    }
    Context ctx{s, stream(s.index)};
    Allocator::Scope scope(ctx.cu);
    // Inputs last used on another stream: this stream waits for that work.
    for (const array& in : inputs) {
      if (!in.buffer()) continue;
      int last = in.buffer()->producer();
      if (last >= 0 && last != s.index) {
        cudaEvent_t ev = event();
        check(cudaEventRecord(ev, stream(last)), "eval");
        check(cudaStreamWaitEvent(ctx.cu, ev, 0), "eval");
      }
    }
    it->second(p, inputs, outputs, ctx);
    check_launch(p.name());
    // Later host reads and frees of these buffers follow this stream.
    for (const array& in : inputs) {
      if (in.buffer()) in.buffer()->set_producer(s.index);
    }
    for (array& out : outputs) {
      if (out.buffer()) out.buffer()->set_producer(s.index);
    }
  }

  static void eval_composition(std::vector<array> results, std::vector<array>& outputs) {
    ember::eval(results);
    for (size_t i = 0; i < outputs.size() && i < results.size(); ++i) {
      outputs[i].copy_layout(results[i]);
    }
  }

  void finish(Stream s, bool wait) override {
    if (wait) check(cudaStreamSynchronize(stream(s.index)), "eval");
  }
  void synchronize(Stream s) override {
    check(cudaStreamSynchronize(stream(s.index)), "synchronize");
  }

  void* malloc(size_t bytes, size_t& size_out) override {
    return allocator().malloc(bytes, size_out);
  }
  // Called from Buffer's destructor: never throws.
  void free(void* p, size_t size, int last) noexcept override {
    try {
      allocator().free(p, size, stream(last >= 0 ? last : 0));
    } catch (...) {
      // A broken context: the memory goes with it.
    }
  }
  void to_host(void* dst, const void* src, size_t n, int producer) override {
    if (producer >= 0) check(cudaStreamSynchronize(stream(producer)), "to_host");
    check(cudaMemcpy(dst, src, n, cudaMemcpyDeviceToHost), "to_host");
  }
  void from_host(void* dst, const void* src, size_t n) override {
    cudaStream_t cu = Allocator::current_stream();
    // From pageable memory the call returns once the source has been read
    // (staged), so the host buffer may change or go right after.
    check(cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, cu), "from_host");
  }

  size_t active_memory() const override { return allocator().active(); }
  size_t peak_memory() const override { return allocator().peak(); }
  void reset_peak_memory() override { allocator().reset_peak(); }
  size_t cache_memory() const override { return allocator().cache(); }
  size_t set_memory_limit(size_t limit) override {
    return allocator().set_memory_limit(limit);
  }
  size_t memory_limit() const override { return allocator().memory_limit(); }
  size_t set_cache_limit(size_t limit) override {
    return allocator().set_cache_limit(limit);
  }
  void clear_cache() override { allocator().clear_cache(); }

  // The CUDA stream of Ember stream `index` (created on first use).
  cudaStream_t stream(int index) {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(index);
    if (it != streams_.end()) return it->second;
    cudaStream_t cu;
    check(cudaStreamCreateWithFlags(&cu, cudaStreamNonBlocking), "new_stream");
    streams_.emplace(index, cu);
    return cu;
  }

 private:
  // The event of cross-stream waits. A wait captures the event's state
  // when it is queued, so one event serves every wait in turn.
  cudaEvent_t event() {
    std::lock_guard lock(mutex_);
    if (!event_) check(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "event");
    return event_;
  }

  int count_;
  std::mutex mutex_;
  std::unordered_map<int, cudaStream_t> streams_;
  cudaEvent_t event_ = nullptr;
};

}  // namespace

int sm_count() {
  static int n = [] {
    int v = 0;
    check(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, 0), "sm_count");
    return v;
  }();
  return n;
}

void register_kernel(const std::type_info& type, Kernel k) {
  kernel_table()[std::type_index(type)] = k;
}

}  // namespace ember::cuda

namespace ember {

Backend* gpu_backend() {
  // Decided once: a GPU visible now (CUDA_VISIBLE_DEVICES is honoured by
  // the runtime). Without one, or without a working driver, the CPU serves.
  static Backend* b = []() -> Backend* {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
      cudaGetLastError();
      return nullptr;
    }
    return new cuda::CudaBackend(count);  // leaked: used during shutdown
  }();
  return b;
}

}  // namespace ember
