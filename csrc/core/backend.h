// The seam between the device-neutral core and the code that runs on a
// device. The scheduler (core/eval.cpp) hands each node to the backend of
// its stream's device; a backend owns its kernels, streams and memory.
// The CPU backend is backend/cpu/backend.cpp. A GPU backend is linked in
// by CMake (backend/cuda, or backend/no_gpu when none is built) and is
// used only when a device is present at run time.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/array.h"

namespace ember {

class Primitive;
struct FusedOp;

// What mx.device_info reports: name/architecture strings, sizes in bytes.
using DeviceInfo =
    std::vector<std::pair<std::string, std::variant<std::string, size_t>>>;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual int device_count() const = 0;
  virtual DeviceInfo device_info(int index) const = 0;

  // Runs one primitive on stream `s`, or queues it there: a GPU backend
  // returns before the outputs' data exists. A primitive this backend has
  // no kernel for raises "[Name] has no GPU kernel yet.".
  virtual void eval(Primitive& p, const std::vector<array>& inputs,
                    std::vector<array>& outputs, Stream s) = 0;
  // Called once per eval for every stream it queued work on: blocks until
  // that work is done when `wait` (eval), else returns at once (async_eval;
  // host reads of the outputs then wait for their producers).
  virtual void finish(Stream s, bool wait) {}
  // Blocks until everything queued on `s` is done (mx.synchronize).
  virtual void synchronize(Stream s) {}
  // Whether this backend's kernel for compiled regions runs `op` (its kind,
  // primitive and output dtype) on inputs of these dtypes; compile leaves
  // the rest unfused.
  virtual bool fuses(const FusedOp& op, const std::vector<Dtype>& in_dtypes) const {
    return false;
  }

  // Device memory for Buffer (host memory for the CPU backend). malloc
  // raises MemoryError after freeing its cache once.
  virtual void* malloc(size_t bytes, size_t& size_out) = 0;
  // `stream`: the device stream of the block's last use (-1: none); the
  // block is reused only after that work is done.
  virtual void free(void* p, size_t size, int stream) = 0;
  // Whole-buffer copies between host memory and this device's memory; the
  // data is in place on return (to_host first waits for the work queued on
  // stream `producer`, when not -1).
  virtual void to_host(void* dst, const void* src, size_t n, int producer) = 0;
  virtual void from_host(void* dst, const void* src, size_t n) = 0;

  // The memory API (mx.get_active_memory, ...) of this device.
  virtual size_t active_memory() const = 0;
  virtual size_t peak_memory() const = 0;
  virtual void reset_peak_memory() = 0;
  virtual size_t cache_memory() const = 0;
  virtual size_t set_memory_limit(size_t limit) = 0;
  virtual size_t memory_limit() const = 0;
  virtual size_t set_cache_limit(size_t limit) = 0;
  virtual void clear_cache() = 0;
};

Backend& cpu_backend();
// The GPU backend, or null when none is built in or no GPU is present.
Backend* gpu_backend();
// The backend of `type`; raises ValueError naming `op` when absent.
Backend& backend(Device::Type type, const char* op);

}  // namespace ember
