#include "core/device.h"

#include <atomic>
#include <cstdint>
#include <unordered_map>

#include "core/errors.h"

namespace ember {

namespace {

// The process-wide default device, packed (type << 16 | index) so the
// per-op lookup takes no lock; a thread's own choice of stream (from
// set_default_stream or `with mx.stream(...)`) takes precedence, so one
// thread's stream context never changes another thread's defaults.
std::atomic<uint32_t> the_default_device{0};
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
    throw ValueError(std::string("[") + op +
                     "] Device(gpu, 0) is not available in this build.");
  }
}

}  // namespace

bool is_available(Device d) { return d.type == Device::Type::cpu; }

int device_count(Device::Type t) { return t == Device::Type::cpu ? 1 : 0; }

Device default_device() {
  if (thread_stream) return thread_stream->device;
  return unpack(the_default_device.load(std::memory_order_relaxed));
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
