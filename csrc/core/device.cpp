#include "core/device.h"

#include <atomic>
#include <mutex>

#include "core/errors.h"

namespace ember {

namespace {

std::mutex registry_mutex;
Device the_default_device = cpu_device;
Stream cpu_default_stream{0, cpu_device};
std::atomic<int> next_stream_index{1};

}  // namespace

bool is_available(Device d) { return d.type == Device::Type::cpu; }

int device_count(Device::Type t) { return t == Device::Type::cpu ? 1 : 0; }

Device default_device() {
  std::lock_guard lock(registry_mutex);
  return the_default_device;
}

void set_default_device(Device d) {
  if (!is_available(d)) {
    throw ValueError(
        "[set_default_device] Device(gpu, 0) is not available in this build.");
  }
  std::lock_guard lock(registry_mutex);
  the_default_device = d;
}

Stream default_stream(Device d) {
  if (!is_available(d)) {
    throw ValueError("[default_stream] The GPU is not available in this build.");
  }
  std::lock_guard lock(registry_mutex);
  return cpu_default_stream;
}

void set_default_stream(Stream s) {
  if (!is_available(s.device)) {
    throw ValueError("[set_default_stream] The GPU is not available.");
  }
  std::lock_guard lock(registry_mutex);
  the_default_device = s.device;
  cpu_default_stream = s;
}

Stream new_stream(Device d) {
  if (!is_available(d)) {
    throw ValueError("[new_stream] The GPU is not available in this build.");
  }
  return Stream{next_stream_index++, d};
}

void clear_streams() {
  std::lock_guard lock(registry_mutex);
  cpu_default_stream = Stream{0, cpu_device};
}

}  // namespace ember
