// Devices and streams. The CPU is the only device in this build; streams
// order work on a device and are what ops take as their `stream` argument.
#pragma once

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
Stream new_stream(Device d);
// Resets the stream registry to the default stream of each device.
void clear_streams();

}  // namespace ember
