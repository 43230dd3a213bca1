#include "core/device.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "core/backend.h"
#include "core/errors.h"

namespace ember {

namespace {

// The process-wide default device, packed (type << 16 | index) so the
// per-op lookup takes no lock; a thread's own choice of stream (from
// set_default_stream or `with mx.stream(...)`) takes precedence, so one
// thread's stream context never changes another thread's defaults.
// Chosen on first use: the GPU when one is present at run time.
constexpr uint32_t kUnset = ~uint32_t(0);
std::atomic<uint32_t> the_default_device{kUnset};
thread_local std::optional<Stream> thread_stream;

uint32_t pack(Device d) {
  return (static_cast<uint32_t>(d.type) << 16) | static_cast<uint32_t>(d.index);
}
Device unpack(uint32_t v) {
  return Device{static_cast<Device::Type>(v >> 16), static_cast<int>(v & 0xffff)};
}
std::atomic<int> next_stream_index{1};
std::atomic<int> next_thread_local_id{0};

void check_available(Device d, const char* op) {
  if (!is_available(d)) {
    throw ValueError(std::string("[") + op + "] Device(gpu, " +
                     std::to_string(d.index) + ") is not available.");
  }
}

}  // namespace

bool is_available(Device d) {
  return d.index >= 0 && d.index < device_count(d.type);
}

int device_count(Device::Type t) {
  if (t == Device::Type::cpu) return 1;
  Backend* gpu = gpu_backend();
  return gpu ? gpu->device_count() : 0;
}

Device default_device() {
  if (thread_stream) return thread_stream->device;
  uint32_t v = the_default_device.load(std::memory_order_relaxed);
  if (v == kUnset) {
    Device d = gpu_backend() ? gpu_device : cpu_device;
    v = pack(d);
    uint32_t expected = kUnset;
    if (!the_default_device.compare_exchange_strong(expected, v)) v = expected;
  }
  return unpack(v);
}

void set_default_device(Device d) {
  check_available(d, "set_default_device");
  the_default_device.store(pack(d), std::memory_order_relaxed);
  thread_stream.reset();
}

Stream default_stream(Device d) {
  check_available(d, "default_stream");
  if (thread_stream && thread_stream->device == d) return *thread_stream;
  return Stream{0, d};
}

void set_default_stream(Stream s) {
  check_available(s.device, "set_default_stream");
  thread_stream = s;
}

std::optional<Stream> thread_default_stream() { return thread_stream; }

void restore_thread_default_stream(std::optional<Stream> s) { thread_stream = s; }

Stream new_stream(Device d) {
  check_available(d, "new_stream");
  return Stream{next_stream_index++, d};
}

void clear_streams() { thread_stream.reset(); }

ThreadLocalStream new_thread_local_stream(Device d) {
  check_available(d, "new_thread_local_stream");
  return ThreadLocalStream{next_thread_local_id++, d};
}

Stream resolve(const ThreadLocalStream& s) {
  thread_local std::unordered_map<int, Stream> streams;
  auto it = streams.find(s.id);
  if (it == streams.end()) it = streams.emplace(s.id, new_stream(s.device)).first;
  return it->second;
}

}  // namespace ember
