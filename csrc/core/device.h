// Devices and streams. The CPU is the only device in this build; streams
// order work on a device and are what ops take as their `stream` argument.
#pragma once

#include <optional>

namespace ember {

struct Device {
  enum class Type { cpu, gpu };
  Type type = Type::cpu;
  int index = 0;
  bool operator==(const Device& o) const {
    return type == o.type && index == o.index;
  }
};

inline constexpr Device cpu_device{Device::Type::cpu, 0};
inline constexpr Device gpu_device{Device::Type::gpu, 0};

struct Stream {
  int index = 0;
  Device device = cpu_device;
  bool operator==(const Stream& o) const {
    return index == o.index && device == o.device;
  }
};

bool is_available(Device d);
int device_count(Device::Type t);
Device default_device();
void set_default_device(Device d);
Stream default_stream(Device d);
void set_default_stream(Stream s);
// The calling thread's own default stream, if it chose one; a stream
// context saves it on entry and puts it back on exit.
std::optional<Stream> thread_default_stream();
void restore_thread_default_stream(std::optional<Stream> s);
Stream new_stream(Device d);
// Drops this thread's default-stream choice (back to each device's stream 0).
void clear_streams();

// A stream that stands for a different Stream on each thread: the id names
// it, and each thread gets its own Stream for it on first use.
struct ThreadLocalStream {
  int id = 0;
  Device device = cpu_device;
  bool operator==(const ThreadLocalStream& o) const { return id == o.id; }
};
ThreadLocalStream new_thread_local_stream(Device d);
// The calling thread's Stream for a thread-local stream.
Stream resolve(const ThreadLocalStream& s);

}  // namespace ember
